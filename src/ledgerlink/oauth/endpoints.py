"""`GET /link/oauth/callback`: where a platform sends the business back after consent.

A minimal page until the hosted Link flow exists (a later issue): it completes the authorization and says
so in plain text. The Link flow will replace the bodies with its pages and redirect to the client's
redirect URL (`statusCode=200`, or `403` when consent was declined).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from ledgerlink.jobs import Runtime
from ledgerlink.kit.errors import BadRequest
from ledgerlink.oauth import flow

router = APIRouter(include_in_schema=False)


def _runtime(request: Request) -> Runtime:
    state = request.app.state
    return Runtime(
        engine=state.engine,
        sessionmaker=state.sessionmaker,
        secrets=state.secrets,
        urls=state.urls,
        settings=state.settings,
    )


@router.get(flow.CALLBACK_PATH)
async def oauth_callback(
    request: Request, state: str | None = None, code: str | None = None, error: str | None = None
) -> PlainTextResponse:
    if not state:
        raise BadRequest("The platform's callback carries no state.")
    runtime = _runtime(request)
    try:
        if error:
            await flow.abandon(runtime, state)
            return PlainTextResponse(
                "Access was not granted; the connection was not linked.", status_code=403
            )
        if not code:
            raise BadRequest("The platform's callback carries no code.")
        await flow.complete(runtime, state, code)
    except (flow.AuthorizationStateInvalid, flow.AuthorizationFailed) as failure:
        raise BadRequest(str(failure)) from None
    return PlainTextResponse("Connected. You can close this window.")
