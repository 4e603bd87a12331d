"""What the replicas scenario says of itself in docs/RELIABILITY.md, per transport."""

from __future__ import annotations

TITLES = {
    "http": "Two bots behind a load balancer, two workers, one of each killed: nothing lost",
    "socket": "Two bots in Socket Mode, two workers, one bot drained and one worker killed",
}
COMMON = (
    "One Temporal dev server; two `chatops worker` and two `chatops bot` processes on one task "
    "queue, the workers sharing a data dir (the payment stand-in's ledger). {transport} Orders "
    "needing approval are started, all waiting, then decided by two approvers clicking "
    "through the stand-in (a quarter rejected through the reason modal; every fourth acked "
    "Approve delivered a second time); a click Slack showed as failed is made again. A "
    "quarter of the way through the clicks one worker is killed (SIGKILL); a third of the way, "
    "at a moment it has a request in hand, one bot is {stop}. Neither comes back. Afterwards "
    "it checks every order's recorded attempts (each acked click key applied exactly once, "
    "exactly one decision applied), its card (one, showing the final state), its end and "
    "history, and the ledger (one charge per approved order, none otherwise)."
)
TRANSPORTS = {
    "http": (
        "The Slack stand-in delivers to a round-robin proxy in front of the bots "
        "(tests/round_robin.py), which answers 502 for a bot that refuses or drops the "
        "connection and leaves it out for 2 s, as a load balancer's passive health check does.",
        "killed (SIGKILL)",
    ),
    "socket": (
        "Each bot holds a Socket Mode connection to the Slack stand-in, which sends each "
        "envelope on the next open connection in turn.",
        "stopped with SIGTERM and drains",
    ),
}
LEDGER = (
    "Fixed: the payment stand-in read its ledger file once, when the worker started, so with "
    "two workers sharing a data dir a payment retried on one after the other was killed "
    "mid-payment charged the order a second time. Each check and charge (or refund) now "
    "happens under the file's lock, after reading what the other workers wrote "
    "(activities/ledger.py). Found while building this scenario, whose runs seldom kill a "
    "worker mid-payment; tests/activities/test_ledger.py shows it."
)
WORKERS = (
    "`activities_worker_N`: activity attempts each worker started, from the histories (the "
    "killed worker did its share before, the other all of it after); `activities_retried`: "
    "attempts after the first, as when an activity the killed worker was running is retried "
    "on the other. An order with no applied decision counts as lost, with two as doubled."
)
NOTES = {
    "http": [
        LEDGER,
        "`deliveries_failed`: clicks and submissions Slack showed as failed (a 502 from the "
        "proxy), made again by their person; `bad_gateway`: the proxy's 502s (reject clicks "
        "that open the modal included). Slack does not retry interactions itself; "
        "`redeliveries_acked` are repeated deliveries (same bytes, same click key).",
        "`bot_stopped_mid_request`: the proxy had sent the bot a request it had not answered "
        "when it was killed (the scenario waits up to 15 s for such a moment). That click got "
        "a 502 although its decision may have reached Temporal: its person then finds the "
        "order decided, or clicks again and is told the decision stands.",
        WORKERS,
    ],
    "socket": [
        LEDGER,
        "Fixed: a bot stopped with SIGTERM in Socket Mode closed its connection at once, so a "
        "click it was handling lost its ack (Slack showed an error although the decision may "
        "have been recorded). It now stops taking envelopes, acks those in hand, then closes "
        "(bot/socket_mode.py; tests/system/test_socket_drain.py, which holds clicks in both "
        "bots when the signal comes).",
        "`envelopes_in_hand_at_sigterm`: envelopes the stopped bot was handling when SIGTERM "
        "came, each acked before it closed; `envelopes_left_unacked`: envelopes that reached "
        "it while it drained, failed when it closed and made again on the other connection "
        "(both from the bot's log). `bot_stopped_mid_request`: the bot's connection had an "
        "envelope not acked yet when SIGTERM came (the scenario waits up to 15 s for one).",
        WORKERS,
    ],
}


def description(transport: str) -> str:
    """How the scenario runs over ``transport`` (``http`` or ``socket``)."""
    setup, stop = TRANSPORTS[transport]
    return COMMON.format(transport=setup, stop=stop)
