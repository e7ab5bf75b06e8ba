"""Data-subject requests: intake, identity verification, the state machine, deadlines, letters, reminders.

The Python API the CLI, the web service and fulfilment share (each takes a connection or an
engine, the model and the clock as arguments):

    open_request(conn, model, key, type=, email=, actor=, channel=, received=)   intake.py
    submit_request(engine, model, key, type=, email=, ip=, base_url=, mailer=)   intake.py (public)
    get_request(conn, ref, as_of) / list_requests(conn, as_of, overdue=, due_within=)   records.py
    verify_identity, request_identification, extend_request, refuse_request,
    complete_request, withdraw_request, assign_request, add_note, charge_fee,
    record_step, require_verified                                                workflow.py
    issue_challenge, send_challenge, confirm_link, confirm_code                   verification.py
    render_letter, write_letter                                                   letters/
    send_reminders                                                                reminders.py
    seed_demo_requests                                                            demo.py
"""

from varuh.requests.intake import open_request, submit_request
from varuh.requests.records import RequestRecord, get_request, list_requests
from varuh.requests.workflow import (
    add_note,
    assign_request,
    charge_fee,
    complete_request,
    extend_request,
    record_step,
    refuse_request,
    request_identification,
    require_verified,
    verify_identity,
    withdraw_request,
)

__all__ = [
    "RequestRecord", "add_note", "assign_request", "charge_fee", "complete_request", "extend_request",
    "get_request", "list_requests", "open_request", "record_step", "refuse_request", "request_identification",
    "require_verified", "submit_request", "verify_identity", "withdraw_request",
]
