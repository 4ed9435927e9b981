"""The bid tool (投标文件工具): ``zhengwu bid keygen | seal | verify``, run on the bidder's machine.

It needs no server, no database and no Django: a bidder seals offline, so the plaintext of a
bid never leaves its machine. ``keygen`` makes the bidder's signing key (Ed25519) and
decryption key (X25519) — the private file is written with mode 0600, the public file is what
the bidder registers with the platform. ``seal`` writes a sealed file (``sealing.bid_seal``)
after checking the tender's opening key against the fingerprint published in the notice.
``verify`` checks a sealed file offline, and against its receipt. ``submit`` uploads a sealed file
to the trading platform's API with a personal API token: in chunks, resumable, retrying a
failed chunk; it commits, checks the receipt's platform signature and that the receipt states
this file's digest and size, and keeps the receipt next to the file. HTTP is the standard
library's (urllib), so the tool needs nothing a bidder's machine does not already have.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zhengwu.contexts.bidding.custody import Custodian, CustodyShare, share_release
from zhengwu.contexts.bidding.sealing import (
    ROLE_BIDDER,
    SealedInfo,
    SealInput,
    bid_seal,
    digest_scheme,
    sealed_header_read,
    sealed_verify,
    share_unwrap,
)
from zhengwu.kernel.crypto import AgreementKey, SigningKey, VerifyKey, key_file_create, key_fingerprint
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.money import money_to_fen

KEY_FORMAT = "zhengwu-bidder-key/1"
RECEIPT_FORMAT = "zhengwu-bid-receipt/1"
API_PATH = "/trading/api/bidding"
SUBMIT_CHUNK_SIZE = 4 << 20
SUBMIT_RETRIES = 3
TOKEN_ENV = "ZHENGWU_BID_TOKEN"  # noqa: S105 - the name of an environment variable


class ToolError(Exception):
    """A refusal the tool prints as one line and exits 1 for."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def keys_generate(*, out_dir: Path, name: str = "bidder") -> tuple[Path, Path]:
    """Write ``<name>.key`` (private, 0600) and ``<name>.pub.json`` (to register) in ``out_dir``."""
    private_path, public_path = out_dir / f"{name}.key", out_dir / f"{name}.pub.json"
    for path in (private_path, public_path):
        if path.exists():
            raise ToolError(f"{path} 已存在，不会覆盖已有密钥")
    signing, agreement = SigningKey.generate(), AgreementKey.generate()
    key_file_create(
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
    scheme = digest_scheme(info.header.suite)
    result: dict[str, Any] = {"ok": True, **info.commitment.as_dict(), "digest_scheme": scheme}
    if args.receipt:
        if not args.platform_key:
            raise ToolError("校验回执需要 --platform-key（交易平台的签名公钥）")
        try:
            receipt = json.loads(Path(args.receipt).read_text(encoding="utf-8"))
        except ValueError:
            raise ToolError("回执文件格式错误") from None
        body = receipt_check(receipt=receipt, platform_key=platform_key_load(args.platform_key), info=info)
        result["receipt"] = {"kind": body.get("type"), "bid": body.get("bid"), "server_time": body.get("server_time")}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


# --- submit: upload through the API ---------------------------------------------------------------


class ApiError(ToolError):
    """The server refused a request; ``code`` is the API's stable error code."""

    def __init__(self, status: int, code: str, message: str, detail: dict[str, Any]) -> None:
        super().__init__(f"（{code}）{message}")
        self.status, self.code, self.detail = status, code, detail


class TransportError(ToolError):
    """The request did not get an answer (network, timeout, server restarting)."""


class ApiClient:
    """The bidding API of one trading platform, authenticated with a personal API token."""

    def __init__(self, server: str, token: str, *, timeout: float = 120) -> None:
        parsed = urllib.parse.urlsplit(server)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ToolError(f"服务器地址应以 http:// 或 https:// 开头：{server}")
        if not token:
            raise ToolError(f"请用 --token 或环境变量 {TOKEN_ENV} 提供接口令牌（在平台“接口令牌”页面创建）")
        self.base = server.rstrip("/") + API_PATH
        self.token = token
        self.timeout = timeout

    def call(
        self,
        method: str,
        path: str,
        *,
        payload: dict[str, Any] | None = None,
        data: bytes | None = None,
        query: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        body = data
        if payload is not None:
            body = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif data is not None:
            headers["Content-Type"] = "application/octet-stream"
        elif method != "GET":
            body = b""
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - scheme checked
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                error = json.loads(raw)
                code, message, detail = str(error["code"]), str(error["message"]), dict(error.get("detail") or {})
            except (ValueError, KeyError, TypeError):
                code, message, detail = "http_error", f"HTTP {exc.code}", {}
            raise ApiError(exc.code, code, message, detail) from None
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(f"无法连接服务器：{getattr(exc, 'reason', exc)}") from None
        return json.loads(raw) if raw else None


def _retrying(action: Any, *, retries: int, what: str) -> Any:
    """Run ``action``; retry a transport failure or a 5xx/429 answer ``retries`` times, backing off."""
    for attempt in range(retries + 1):
        try:
            return action()
        except TransportError as exc:
            failure: ToolError = exc
        except ApiError as exc:
            if exc.status < 500 and exc.status != 429:
                raise
            failure = exc
        if attempt == retries:
            raise ToolError(f"{what}失败（已重试{retries}次）：{failure}")
        print(f"{what}失败，{2**attempt}秒后重试：{failure}", file=sys.stderr)
        time.sleep(2**attempt)
    raise AssertionError("unreachable")


def platform_key_load(text: str) -> VerifyKey:
    """The platform's public key from base64, or from a file holding it (or the output of ``zhengwu keys``)."""
    value = text.strip()
    path = Path(value)
    if len(value) < 200 and path.is_file():
        content = path.read_text(encoding="utf-8")
        lines = [ln.split(":", 1)[1] for ln in content.splitlines() if ln.strip().startswith("public key:")]
        value = (lines[0] if lines else content).strip()
    try:
        return VerifyKey.from_b64(value)
    except ValueError:
        raise ToolError("平台公钥格式错误（应为 Ed25519 公钥的 base64）") from None


def receipt_check(*, receipt: dict[str, Any], platform_key: VerifyKey, info: SealedInfo) -> dict[str, Any]:
    """Check a receipt's platform signature and that it states this sealed file; returns its body."""
    try:
        body_text = str(receipt["body"])
        signature = base64.b64decode(str(receipt["signature"]), validate=True)
        body = json.loads(body_text)
    except (KeyError, ValueError, TypeError):
        raise ToolError("回执格式错误") from None
    if receipt.get("key_id") != platform_key.key_id or not platform_key.verify(body_text.encode("utf-8"), signature):
        raise ToolError("回执的平台签名无效（或不是该平台公钥签署的）")
    expected = {
        "digest": info.commitment.digest,
        "digest_scheme": digest_scheme(info.header.suite),
        "size": info.total_size,
        "section": info.header.section,
        "envelope": info.header.envelope,
        "bidder": info.header.bidder,
    }
    wrong = sorted(k for k, v in expected.items() if body.get(k) != v)
    if wrong:
        raise ToolError(f"回执与投标文件不符：{', '.join(wrong)}")
    return dict(body)


def _receipt_path(sealed: Path) -> Path:
    # An earlier receipt is proof of an earlier act: never overwrite it.
    path = sealed.with_name(sealed.name + ".receipt.json")
    number = 2
    while path.exists():
        path = sealed.with_name(f"{sealed.name}.receipt.{number}.json")
        number += 1
    return path


def bid_submit(
    *,
    sealed: Path,
    client: ApiClient,
    platform_key: VerifyKey | None,
    envelope: str | None = None,
    resume: str | None = None,
    chunk_size: int = SUBMIT_CHUNK_SIZE,
    retries: int = SUBMIT_RETRIES,
) -> tuple[dict[str, Any], Path]:
    """Upload ``sealed`` (or resume upload ``resume``), commit it, check and save the receipt."""
    with open(sealed, "rb") as stream:
        info = sealed_verify(stream=stream)
    if envelope is not None and envelope != info.header.envelope:
        raise ToolError(f"密封文件是为信封“{info.header.envelope}”封装的，不是“{envelope}”")
    if platform_key is None:
        fetched = _retrying(
            lambda: client.call("GET", "/platform-key", auth=False), retries=retries, what="获取平台公钥"
        )
        platform_key = VerifyKey.from_b64(fetched["public"])
        print(
            f"平台公钥取自服务器（{platform_key.key_id}）；请与交易中心公布的公钥核对，或使用 --platform-key",
            file=sys.stderr,
        )
    size = info.total_size
    if resume:
        upload = _retrying(lambda: client.call("GET", f"/uploads/{resume}"), retries=retries, what="查询上传状态")
        if upload["size"] != size or upload["digest"] != info.commitment.digest:
            raise ToolError("该上传不是这个密封文件的（大小或摘要不同）")
        if upload["status"] != "open":
            raise ToolError(f"该上传已结束（{upload['status']} {upload.get('refusal_code', '')}），请重新递交")
    else:
        upload = _retrying(
            lambda: client.call(
                "POST",
                f"/sections/{urllib.parse.quote(info.header.section)}/uploads",
                payload={"envelope": info.header.envelope, "size": size, "digest": info.commitment.digest},
            ),
            retries=retries,
            what="开始上传",
        )
    upload_id = str(upload["id"])
    print(f"上传编号：{upload_id}（中断后可用 --resume {upload_id} 继续）", file=sys.stderr, flush=True)
    chunk_size = min(chunk_size, int(upload.get("chunk_max") or chunk_size))
    offset = int(upload["received"])
    bar = _progress_bar(size, "上传")
    bar.update(offset)
    try:
        with open(sealed, "rb") as stream:
            while offset < size:
                stream.seek(offset)
                data = stream.read(min(chunk_size, size - offset))

                def send(at: int = offset, chunk: bytes = data) -> Any:
                    return client.call("PUT", f"/uploads/{upload_id}/chunks", data=chunk, query={"offset": at})

                try:
                    answer = _retrying(send, retries=retries, what=f"上传分块（位置 {offset}）")
                    received = int(answer["received"])
                except ApiError as exc:
                    if exc.code != "chunk_offset_mismatch":
                        raise
                    # The server has a different amount than we thought (a lost answer): go on from there.
                    received = int(exc.detail["expected"])
                if not 0 <= received <= size:
                    raise ToolError("服务器返回的已接收字节数不正确")
                bar.update(received - offset)
                offset = received
    finally:
        bar.close()
    try:
        receipt = _retrying(
            lambda: client.call("POST", f"/uploads/{upload_id}/commit"), retries=retries, what="提交投标文件"
        )
    except ApiError as exc:
        if exc.code != "upload_closed" or exc.detail.get("status") != "committed":
            raise
        # The commit went through but its answer was lost: the receipt is among our bids.
        receipt = _receipt_recover(client, info, retries=retries)
    body = receipt_check(receipt=receipt, platform_key=platform_key, info=info)
    record = {
        "format": RECEIPT_FORMAT,
        "id": receipt["id"],
        "kind": receipt["kind"],
        "bid": receipt["bid"],
        "section": receipt["section"],
        "body": receipt["body"],
        "signature": receipt["signature"],
        "key_id": receipt["key_id"],
        "issued_at": receipt["issued_at"],
        "platform_key": platform_key.to_b64(),
    }
    path = _receipt_path(sealed)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return body, path


def _receipt_recover(client: ApiClient, info: SealedInfo, *, retries: int) -> dict[str, Any]:
    section = info.header.section
    mine = _retrying(
        lambda: client.call("GET", "/bids/mine", query={"section": section}), retries=retries, what="查询回执"
    )
    for bid in reversed(mine):
        if bid["digest"] == info.commitment.digest and bid["size"] == info.total_size:
            accepted = [r for r in bid["receipts"] if r["kind"] == "accepted"]
            if accepted:
                return dict(accepted[-1])
    raise ToolError("上传已提交，但未能取回回执，请在平台“我的投标”中查看")


def _cmd_submit(args: argparse.Namespace) -> int:
    client = ApiClient(args.server, args.token or os.environ.get(TOKEN_ENV, ""))
    platform_key = platform_key_load(args.platform_key) if args.platform_key else None
    if args.chunk_size < 1024:
        raise ToolError("分块大小至少 1024 字节")
    body, path = bid_submit(
        sealed=Path(args.sealed),
        client=client,
        platform_key=platform_key,
        envelope=args.envelope,
        resume=args.resume,
        chunk_size=args.chunk_size,
        retries=args.retries,
    )
    print(json.dumps({"ok": True, "receipt": str(path), **body}, ensure_ascii=False, indent=2))
    return 0


# --- the opening: what the bidder and the custodians do on their own machines --------------------

CUSTODY_KEY_FORMAT = "zhengwu-custody-key/1"


def _cmd_share(args: argparse.Namespace) -> int:
    """Print the bidder's half of its bid's data key, to hand in at the opening (bidder_share_submit)."""
    _, agreement = keys_load(Path(args.key))
    with open(args.sealed, "rb") as stream:
        header = sealed_header_read(stream=stream)
    print(_b64(share_unwrap(header=header, role=ROLE_BIDDER, private=agreement.raw())))
    return 0


def custody_key_generate(*, out_dir: Path, name: str = "custodian") -> tuple[Path, str]:
    """Write ``<name>.custody.key`` (private, 0600); return its path and the public key to register."""
    path = out_dir / f"{name}.custody.key"
    if path.exists():
        raise ToolError(f"{path} 已存在，不会覆盖已有密钥")
    key = AgreementKey.generate()
    key_file_create(path, json.dumps({"format": CUSTODY_KEY_FORMAT, "agreement": _b64(key.raw())}))
    return path, _b64(key.public_raw)


def _custody_key_load(path: Path) -> AgreementKey:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != CUSTODY_KEY_FORMAT:
            raise ValueError("format")
        return AgreementKey.from_raw(base64.b64decode(data["agreement"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ToolError(f"无法读取保管密钥文件 {path}：{exc}") from None


def _cmd_custody_keygen(args: argparse.Namespace) -> int:
    path, public = custody_key_generate(out_dir=Path(args.out), name=args.name)
    print(f"保管私钥（请离线妥善保管）: {path}")
    print(f"保管公钥（向平台登记）: {public}")
    print(f"指纹: {key_fingerprint(base64.b64decode(public))}")
    return 0


def _cmd_custody_open(args: argparse.Namespace) -> int:
    """Decrypt one's own shares (as downloaded from the platform) and print them to hand in."""
    key = _custody_key_load(Path(args.key))
    try:
        data = json.loads(Path(args.shares).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ToolError(f"无法读取分片文件 {args.shares}：{exc}") from None
    items = data if isinstance(data, list) else [data]
    for item in items:
        try:
            share = CustodyShare(
                custodian_id=str(item["holder"]),
                institution=str(item["institution"]),
                custodian_fingerprint=str(item["custodian_fingerprint"]),
                blob=base64.b64decode(item["blob"]),
            )
            custodian = Custodian(
                custodian_id=share.custodian_id, institution=share.institution, public_raw=key.public_raw
            )
            words = share_release(
                share=share,
                custodian=custodian,
                private=key.raw(),
                section=str(item["section"]),
                envelope=str(item["envelope"]),
                fingerprint=str(item["opening_fingerprint"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ToolError(f"分片文件格式错误：{exc}") from None
        print(f"{item['section']} / {item['envelope']}: {words}")
    return 0


def parser_build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhengwu bid", description="投标文件工具：生成密钥、封装、递交与校验投标文件")
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
    verify.add_argument("--receipt", help="平台回执文件（校验文件与回执一致）")
    verify.add_argument("--platform-key", help="交易平台签名公钥（base64 或文件）")
    verify.set_defaults(func=_cmd_verify)
    submit = sub.add_parser("submit", help="通过接口递交密封文件（可断点续传）")
    submit.add_argument("sealed", help="密封文件")
    submit.add_argument("--server", required=True, help="交易平台地址，如 https://ggzy.example.cn")
    submit.add_argument("--token", help=f"接口令牌（或环境变量 {TOKEN_ENV}）")
    submit.add_argument("--envelope", help="信封（默认取密封文件中的信封）")
    submit.add_argument("--resume", help="继续一次中断的上传（上传编号）")
    submit.add_argument("--platform-key", help="交易平台签名公钥（base64 或文件）；不给则向服务器获取")
    submit.add_argument("--chunk-size", type=int, default=SUBMIT_CHUNK_SIZE, help="分块字节数")
    submit.add_argument("--retries", type=int, default=SUBMIT_RETRIES, help="每个请求的重试次数")
    submit.set_defaults(func=_cmd_submit)
    share = sub.add_parser("share", help="开标时解出本投标人的解密密钥（在本机进行）")
    share.add_argument("sealed", help="密封文件")
    share.add_argument("--key", required=True, help="投标人私钥文件")
    share.set_defaults(func=_cmd_share)
    custody_keygen = sub.add_parser("custody-keygen", help="生成开标密钥保管人的保管密钥")
    custody_keygen.add_argument("--out", default=".", help="写入目录")
    custody_keygen.add_argument("--name", default="custodian", help="文件名前缀")
    custody_keygen.set_defaults(func=_cmd_custody_keygen)
    custody_open = sub.add_parser("custody-open", help="开标时解出本保管人的开标密钥分片（在本机进行）")
    custody_open.add_argument("shares", help="从平台下载的分片文件（JSON）")
    custody_open.add_argument("--key", required=True, help="保管私钥文件")
    custody_open.set_defaults(func=_cmd_custody_open)
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
