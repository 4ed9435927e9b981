"""The bid tool (投标文件工具): ``zhengwu bid keygen | seal | verify``, run on the bidder's machine.

It needs no server, no database and no Django: a bidder seals offline, so the plaintext of a
bid never leaves its machine. ``keygen`` makes the bidder's signing key (Ed25519) and
decryption key (X25519) — the private file is written with mode 0600, the public file is what
the bidder registers with the platform. ``seal`` writes a sealed file (``sealing.bid_seal``)
after checking the tender's opening key against the fingerprint published in the notice.
``verify`` checks a sealed file offline.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zhengwu.contexts.bidding.sealing import SealInput, bid_seal, sealed_verify
from zhengwu.kernel.crypto import AgreementKey, SigningKey, VerifyKey, key_fingerprint
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.money import money_to_fen

KEY_FORMAT = "zhengwu-bidder-key/1"


class ToolError(Exception):
    """A refusal the tool prints as one line and exits 1 for."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _private_write(path: Path, content: str) -> None:
    # Created 0600 from the start: never readable by others, not even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)


def keys_generate(*, out_dir: Path, name: str = "bidder") -> tuple[Path, Path]:
    """Write ``<name>.key`` (private, 0600) and ``<name>.pub.json`` (to register) in ``out_dir``."""
    private_path, public_path = out_dir / f"{name}.key", out_dir / f"{name}.pub.json"
    for path in (private_path, public_path):
        if path.exists():
            raise ToolError(f"{path} 已存在，不会覆盖已有密钥")
    signing, agreement = SigningKey.generate(), AgreementKey.generate()
    _private_write(
        private_path,
        json.dumps({"format": KEY_FORMAT, "signing": signing.to_b64(), "agreement": _b64(agreement.raw())}),
    )
    public = {
        "format": KEY_FORMAT,
        "signing_public": signing.public.to_b64(),
        "signing_key_id": signing.public.key_id,
        "agreement_public": _b64(agreement.public_raw),
        "agreement_fingerprint": key_fingerprint(agreement.public_raw),
    }
    public_path.write_text(json.dumps(public, ensure_ascii=False, indent=2), encoding="utf-8")
    return private_path, public_path


def keys_load(path: Path) -> tuple[SigningKey, AgreementKey]:
    """Read a private key file written by ``keys_generate``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != KEY_FORMAT:
            raise ValueError("format")
        return SigningKey.from_b64(data["signing"]), AgreementKey.from_raw(base64.b64decode(data["agreement"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ToolError(f"无法读取投标人密钥文件 {path}：{exc}") from None


def readout_build(
    *, price: str, duration_days: int | None, quality: str, personnel: Sequence[str], extra: dict[str, Any] | None
) -> dict[str, Any]:
    """The read-out form (唱标内容): price exact in fen, and what the opening reads aloud."""
    readout: dict[str, Any] = {"price_fen": money_to_fen(price)}
    if duration_days is not None:
        if duration_days <= 0:
            raise ToolError("工期须为正整数（日历天）")
        readout["duration_days"] = duration_days
    if quality:
        readout["quality"] = quality
    if personnel:
        readout["key_personnel"] = list(personnel)
    for key, value in (extra or {}).items():
        readout.setdefault(key, value)
    return readout


def _progress_bar(total: int, label: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr, disable=None)


def _cmd_keygen(args: argparse.Namespace) -> int:
    private_path, public_path = keys_generate(out_dir=Path(args.out), name=args.name)
    print(f"私钥（请妥善保管，勿上传）: {private_path}")
    print(f"公钥（向平台登记）: {public_path}")
    return 0


def _cmd_seal(args: argparse.Namespace) -> int:
    signing, agreement = keys_load(Path(args.key))
    try:
        opening_public = base64.b64decode(args.opening_key, validate=True)
    except ValueError:
        raise ToolError("开标公钥格式错误（应为 base64）") from None
    if len(opening_public) != 32 or key_fingerprint(opening_public) != args.fingerprint.strip().lower():
        raise ToolError("开标公钥与招标公告公布的指纹不符，已停止封装")
    extra = json.loads(Path(args.readout).read_text(encoding="utf-8")) if args.readout else None
    readout = readout_build(
        price=args.price,
        duration_days=args.duration,
        quality=args.quality or "",
        personnel=args.personnel or [],
        extra=extra,
    )
    files = [SealInput(Path(p).name, p) for p in args.files]
    for item in files:
        if not Path(item.path).is_file():
            raise ToolError(f"找不到文件 {item.path}")
    total = sum(Path(f.path).stat().st_size for f in files)
    out_path = Path(args.out)
    if out_path.exists():
        raise ToolError(f"{out_path} 已存在")
    bar = _progress_bar(total, "封装")
    try:
        with open(out_path, "xb") as out:
            commitment = bid_seal(
                files=files,
                readout=readout,
                section=args.section,
                envelope=args.envelope,
                bidder=args.bidder,
                signing_key=signing,
                opening_public=opening_public,
                bidder_public=agreement.public_raw if args.own_key else None,
                out=out,
                suite=args.suite,
                progress=lambda done: bar.update(max(0, min(done, total) - bar.n)),
            )
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    finally:
        bar.close()
    print(json.dumps(commitment.as_dict(), ensure_ascii=False, indent=2))
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    verify_key = None
    if args.public:
        data = json.loads(Path(args.public).read_text(encoding="utf-8"))
        verify_key = VerifyKey.from_b64(data["signing_public"])
    with open(args.sealed, "rb") as stream:
        info = sealed_verify(stream=stream, verify_key=verify_key)
    print(json.dumps({"ok": True, **info.commitment.as_dict()}, ensure_ascii=False, indent=2))
    return 0


def parser_build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhengwu bid", description="投标文件工具：生成密钥、封装与校验投标文件")
    sub = parser.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="生成投标人签名与解密密钥")
    keygen.add_argument("--out", default=".", help="写入目录")
    keygen.add_argument("--name", default="bidder", help="文件名前缀")
    keygen.set_defaults(func=_cmd_keygen)
    seal = sub.add_parser("seal", help="封装投标文件")
    seal.add_argument("files", nargs="+", help="投标文件")
    seal.add_argument("--key", required=True, help="投标人私钥文件")
    seal.add_argument("--section", required=True, help="标段（包）编号")
    seal.add_argument("--envelope", default="single", help="信封（如 single / technical / commercial）")
    seal.add_argument("--bidder", required=True, help="投标人统一社会信用代码")
    seal.add_argument("--opening-key", required=True, help="招标公告公布的开标公钥（base64）")
    seal.add_argument("--fingerprint", required=True, help="招标公告公布的开标公钥指纹（SHA-256）")
    seal.add_argument("--price", required=True, help="投标报价（元，最多两位小数）")
    seal.add_argument("--duration", type=int, help="工期（日历天）")
    seal.add_argument("--quality", help="质量标准")
    seal.add_argument("--personnel", action="append", help="主要人员（可重复）")
    seal.add_argument("--readout", help="其他唱标内容（JSON 文件）")
    seal.add_argument("--own-key", action="store_true", help="须由投标人自己的密钥共同解密")
    seal.add_argument("--suite", default="intl", choices=["intl", "gm"], help="密码套件（gm：SM3/SM4）")
    seal.add_argument("--out", required=True, help="输出的密封文件")
    seal.set_defaults(func=_cmd_seal)
    verify = sub.add_parser("verify", help="离线校验密封文件")
    verify.add_argument("sealed", help="密封文件")
    verify.add_argument("--public", help="投标人公钥文件（校验签名）")
    verify.set_defaults(func=_cmd_verify)
    return parser


def main(argv: Sequence[str]) -> int:
    """Run ``zhengwu bid``; errors print one line (with their code) and return 1."""
    args = parser_build().parse_args(list(argv))
    try:
        return int(args.func(args))
    except ToolError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except InvalidInput as exc:
        print(f"错误（{exc.code}）：{exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
