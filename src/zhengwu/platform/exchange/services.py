"""Writes to the exchange: publishing an event into the outbox, replaying dead letters."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.kernel.ids import id_new
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.events import ExchangeEvent
from zhengwu.platform.exchange.inbox import STANDALONE
from zhengwu.platform.exchange.models import OUTBOX_STREAM_ALL, Delivery, OutboxCounter, OutboxMessage

logger = logging.getLogger(__name__)

REPLAY_ROLES = ("centre_staff",)


def destinations_for(event_type: str) -> list[str]:
    """The platforms this deployable must send ``event_type`` to.

    A deployable does not send to the platforms it serves itself, except the standalone one,
    which serves them all and delivers to its own inbox so the same handlers run.
    """
    routes: list[str] = list(settings.ZHENGWU_EXCHANGE_ROUTES.get(event_type, []))
    if settings.ZHENGWU_PLATFORM == STANDALONE:
        return routes
    own = set(settings.ZHENGWU_PLATFORMS)
    return [name for name in routes if name not in own]


def _next_sequence(*, aggregate_type: str, aggregate_id: str, destination: str) -> int:
    # One upsert instead of insert-if-missing, update, read: publishing is on the path of every
    # write that others must hear of. The row stays locked until commit (PostgreSQL's
    # ON CONFLICT DO UPDATE locks it; SQLite holds its write lock), so publishers of one
    # aggregate queue up here and their sequence numbers follow the commit order.
    quote = connection.ops.quote_name
    table = quote(OutboxCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (aggregate_type, aggregate_id, destination, last_sequence) "  # noqa: S608 - names from the model
        "VALUES (%s, %s, %s, 1) "
        "ON CONFLICT (aggregate_type, aggregate_id, destination) "
        f"DO UPDATE SET last_sequence = {table}.last_sequence + 1 "
        "RETURNING last_sequence"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [aggregate_type, aggregate_id, destination])
        row = cursor.fetchone()
    return int(row[0])


def outbox_subject_lock(*, aggregate_type: str, aggregate_id: str) -> None:
    """Hold the outbox's lock on one subject until the caller's transaction ends.

    For a publisher that sends a subject's whole state (a snapshot): taking this lock before it
    reads that state makes two writers publish one after the other, the later one reading the
    state with the earlier committed — whatever rows each of them changed. It takes no sequence
    number: the next ``outbox_publish`` of the subject numbers its message as usual.
    """
    quote = connection.ops.quote_name
    table = quote(OutboxCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (aggregate_type, aggregate_id, destination, last_sequence) "  # noqa: S608 - names from the model
        "VALUES (%s, %s, %s, 0) "
        "ON CONFLICT (aggregate_type, aggregate_id, destination) "
        f"DO UPDATE SET last_sequence = {table}.last_sequence"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [aggregate_type, aggregate_id, OUTBOX_STREAM_ALL])


def _relay_soon() -> None:
    # Imported here: tasks imports the relay, which imports this module's neighbours.
    from zhengwu.platform.exchange.tasks import exchange_relay_task

    try:
        exchange_relay_task()
    except Exception:
        # The broker may be down; the periodic relay tick delivers the message a minute later.
        logger.warning("exchange: could not enqueue the relay task; the periodic tick will deliver", exc_info=True)


def _relay_after_commit() -> None:
    connection = transaction.get_connection()
    # One relay run per transaction is enough, however many events it published.
    if any(callback is _relay_soon for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_relay_soon)


def outbox_publish(*, event: ExchangeEvent) -> OutboxMessage:
    """Record ``event`` in the outbox, inside the caller's transaction, for every route.

    One ``OutboxMessage`` with the aggregate's next sequence, and one pending ``Delivery`` per
    destination platform (each with the next sequence of its own stream). The relay delivers
    them after commit; if the transaction rolls back, nothing is sent.
    """
    aggregate_id = event.aggregate_id
    if not isinstance(aggregate_id, str) or not aggregate_id or len(aggregate_id) > 200:
        raise InvalidInput("事件的聚合标识无效", code="exchange_aggregate_id", detail={"event_type": event.event_type})
    payload = event.payload()
    try:
        canonical_dumps(payload)
    except TypeError as exc:
        raise InvalidInput(
            "事件内容不能使用浮点数", code="exchange_payload_float", detail={"event_type": event.event_type}
        ) from exc
    now = clock_now()
    with transaction.atomic():
        sequence = _next_sequence(
            aggregate_type=event.aggregate_type, aggregate_id=aggregate_id, destination=OUTBOX_STREAM_ALL
        )
        message = OutboxMessage.objects.create(
            message_id=id_new(),
            source=settings.ZHENGWU_PLATFORM,
            event_type=event.event_type,
            aggregate_type=event.aggregate_type,
            aggregate_id=aggregate_id,
            sequence=sequence,
            occurred_at=now,
            payload=payload,
        )
        destinations = destinations_for(event.event_type)
        for destination in destinations:
            Delivery.objects.create(
                message=message,
                destination=destination,
                aggregate_type=event.aggregate_type,
                aggregate_id=aggregate_id,
                sequence=_next_sequence(
                    aggregate_type=event.aggregate_type, aggregate_id=aggregate_id, destination=destination
                ),
                next_attempt_at=now,
                created_at=now,
            )
        if destinations:
            _relay_after_commit()
    return message


def deliveries_hasten(*, destination: str) -> int:
    """Make every pending delivery to ``destination`` due now; return how many.

    For operators once a destination was configured or repaired: what was held or backing off
    goes at the next relay run instead of at its scheduled retry. The order per stream and the
    count of attempts are untouched.
    """
    with transaction.atomic():
        count = Delivery.objects.filter(
            destination=destination, status=Delivery.Status.PENDING, next_attempt_at__gt=clock_now()
        ).update(next_attempt_at=clock_now())
    return count


def exchange_replay(*, delivery_ids: list[int] | None = None, all_dead: bool = False, by: Actor) -> list[int]:
    """Put dead letters back in the queue with a fresh count of attempts; return their ids.

    Either name the deliveries (each must exist and be dead) or ask for every dead letter.
    Allowed to the system (operators' command line) and to trading-centre staff.
    """
    if not (by.is_system or by.has_role(*REPLAY_ROLES)):
        raise PermissionDenied("无权重新投递消息", code="exchange_replay_denied")
    if bool(delivery_ids) == all_dead:
        raise InvalidInput("请指定要重投的投递编号，或选择全部死信（二者选一）", code="exchange_replay_selection")
    now = clock_now()
    with transaction.atomic():
        if all_dead:
            rows = list(Delivery.objects.select_for_update().filter(status=Delivery.Status.DEAD).order_by("id"))
        else:
            wanted = sorted(set(delivery_ids or []))
            rows = list(Delivery.objects.select_for_update().filter(id__in=wanted).order_by("id"))
            missing = sorted(set(wanted) - {d.id for d in rows})
            if missing:
                raise NotFound("投递记录不存在", code="exchange_delivery_not_found", detail={"ids": missing})
            not_dead = [d.id for d in rows if d.status != Delivery.Status.DEAD]
            if not_dead:
                raise Conflict("只能重投死信", code="exchange_delivery_not_dead", detail={"ids": not_dead})
        ids = [d.id for d in rows]
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids).update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now)
        audit_append(
            actor=by,
            action="exchange.delivery.replay",
            object_type="exchange.delivery",
            object_id=str(ids[0]) if len(ids) == 1 else f"{len(ids)} deliveries",
            before={"status": "dead", "delivery_ids": ids},
            after={"status": "pending", "delivery_ids": ids},
        )
        _relay_after_commit()
    return ids
