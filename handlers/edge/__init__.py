"""Slack's HTTP edge, in front of Bolt: the signature checked on the raw bytes before
anything is parsed (`signature`), the body read and cleaned (`reading`), every payload
checked against its model (`handlers.payloads`); only then does Bolt see it
(`endpoint`)."""
