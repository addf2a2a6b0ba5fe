"""`chat.*`: post, update, delete, ephemeral messages and permalinks."""

from __future__ import annotations

from standin.slack_api.identity import BOT_USER_ID, WORKSPACE_URL, JsonDict
from standin.slack_api.parsing import truthy
from standin.slack_api.workspace import SlackApiStubError, Workspace


def post_message(ws: Workspace, args: JsonDict) -> JsonDict:
    channel = ws.channel_for(args.get("channel"))
    if not any(args.get(k) for k in ("text", "blocks", "attachments")):
        raise SlackApiStubError("no_text")
    ts = ws.next_ts()
    message = ws.message_from_args(args, ts)
    thread_ts = args.get("thread_ts")
    if thread_ts:
        thread = ws.threads.get((channel, thread_ts))
        if thread is None:
            parent = ws.top_level(channel, thread_ts)
            thread = ws.threads[(channel, thread_ts)] = [parent] if parent else []
        thread.append(message)
        if truthy(args.get("reply_broadcast")):
            ws.history.setdefault(channel, []).append(message)
    else:
        ws.history.setdefault(channel, []).append(message)
    return {"channel": channel, "ts": ts, "message": dict(message)}


def update(ws: Workspace, args: JsonDict) -> JsonDict:
    channel = ws.channel_for(args.get("channel"))
    ts = args.get("ts")
    if not ts:
        raise SlackApiStubError("message_not_found")
    message = ws.find_message(channel, ts)
    updated = ws.message_from_args(args, ts)
    updated["edited"] = {"user": BOT_USER_ID, "ts": ws.next_ts()}
    if message is not None:
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                message[key] = args[key]
        message["edited"] = updated["edited"]
        updated = message
    return {
        "channel": channel,
        "ts": ts,
        "text": updated.get("text", ""),
        "message": dict(updated),
    }


def delete(ws: Workspace, args: JsonDict) -> JsonDict:
    channel = ws.channel_for(args.get("channel"))
    ts = args.get("ts")
    ws.history[channel] = [m for m in ws.history.get(channel, []) if m.get("ts") != ts]
    for key, messages in ws.threads.items():
        if key[0] == channel:
            messages[:] = [m for m in messages if m.get("ts") != ts]
    return {"channel": channel, "ts": ts}


def post_ephemeral(ws: Workspace, args: JsonDict) -> JsonDict:
    channel = ws.channel_for(args.get("channel"))
    if not args.get("user"):
        raise SlackApiStubError("user_not_in_channel")
    ts = ws.next_ts()
    ws.ephemeral.append({**ws.message_from_args(args, ts), "channel": channel, "to": args["user"]})
    return {"message_ts": ts}


def get_permalink(ws: Workspace, args: JsonDict) -> JsonDict:
    channel = ws.channel_for(args.get("channel"))
    ts = args.get("message_ts")
    if not ts:
        raise SlackApiStubError("message_not_found")
    link = f"{WORKSPACE_URL}archives/{channel}/p{str(ts).replace('.', '')}"
    message = ws.find_message(channel, ts)
    thread_ts = message.get("thread_ts") if message else None
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return {"channel": channel, "permalink": link}


METHODS = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
