"""The audit log's public API: the latest signed tree head, for anyone to check and keep.

Publishing heads is what makes the log tamper-evident beyond the operator: whoever keeps a
copy of an old head can later prove that the log was rewritten or cut short.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from zhengwu.kernel.errors import NotFound
from zhengwu.platform.audit.chain import instant_text, tree_head_payload
from zhengwu.platform.audit.selectors import audit_latest_tree_head


class TreeHeadOut(Schema):
    tree_size: int
    root_hash: str
    created_at: str
    suite: str
    key_id: str
    public_key: str
    signature: str
    signed_payload: str


def router_build(*, platform: str) -> Router:
    """The audit router of one platform (a new Router each time: ninja attaches it to one API)."""
    router = Router(tags=["audit"])

    @router.get("/tree-heads/latest", response=TreeHeadOut, auth=None, summary="Latest signed audit tree head")
    def tree_head_latest(request: HttpRequest) -> TreeHeadOut:
        """The latest tree head: root hash (hex), Ed25519 signature and public key (base64).

        ``signed_payload`` is the exact canonical JSON the signature covers.
        """
        tree_head = audit_latest_tree_head()
        if tree_head is None:
            raise NotFound("审计日志尚未签署树头", code="audit_no_tree_head")
        payload = tree_head_payload(
            tree_size=tree_head.tree_size,
            root_hash=tree_head.root_hash,
            created_at=tree_head.created_at,
            suite=tree_head.suite,
            key_id=tree_head.key_id,
        )
        return TreeHeadOut(
            tree_size=tree_head.tree_size,
            root_hash=tree_head.root_hash,
            created_at=instant_text(tree_head.created_at),
            suite=tree_head.suite,
            key_id=tree_head.key_id,
            public_key=tree_head.public_key,
            signature=tree_head.signature,
            signed_payload=payload.decode("utf-8"),
        )

    return router
