"""`files.*`: the old `files.upload` and the two-step external upload, whose
`upload_url` points back at the stub (recorded as method "upload")."""

from __future__ import annotations

from standin.slack_api.identity import BOT_USER_ID, WORKSPACE_URL, JsonDict
from standin.slack_api.workspace import SlackApiStubError, Workspace


def upload(ws: Workspace, args: JsonDict) -> JsonDict:
    name = str(args.get("filename") or "file")
    return {"file": _file(ws.next_id("F"), name, args.get("title"))}


def get_upload_url_external(ws: Workspace, args: JsonDict) -> JsonDict:
    if not args.get("filename") or args.get("length") in (None, ""):
        raise SlackApiStubError("invalid_arguments")
    file_id = ws.next_id("F")
    return {"file_id": file_id, "upload_url": f"{ws.root_url}upload/v1/{file_id}"}


def complete_upload_external(ws: Workspace, args: JsonDict) -> JsonDict:
    files = args.get("files")
    if not isinstance(files, list) or not files:
        raise SlackApiStubError("invalid_arguments")
    return {
        "files": [_file(f["id"], str(f.get("title") or f["id"]), f.get("title")) for f in files]
    }


def _file(file_id: str, name: str, title: str | None = None) -> JsonDict:
    return {
        "id": file_id,
        "name": name,
        "title": title or name,
        "user": BOT_USER_ID,
        "permalink": f"{WORKSPACE_URL}files/{BOT_USER_ID}/{file_id}/{name}",
    }


METHODS = {
    "files.upload": upload,
    "files.getUploadURLExternal": get_upload_url_external,
    "files.completeUploadExternal": complete_upload_external,
}
