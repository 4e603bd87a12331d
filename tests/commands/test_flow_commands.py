"""/flow through the real bot over HTTP, with the Slack stand-in: the grammar, who may start
which flow (the policy's flows list, user groups asked of Slack), the announcement, and
refusals. Flows start through the stack's stand-in for the driver (tests/flow_fakes.py)."""

from __future__ import annotations

from bot.metrics import REGISTRY
from commands.flow import FLOW
from orchestration.flow_starts import FlowStartRefused
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, OPERATOR_ID, OUTSIDER_ID, REQUESTER_ID
from tests.commands.test_workflow_commands import slash
from tests.helpers import assert_eventually, unique
from tests.stack import Stack


async def flow(stack: Stack, user: str, text: str) -> str:
    return await slash(stack, user, text, "/flow")


def refusals(outcome: str) -> float:
    labels = {"source": "slack", "outcome": outcome}
    return REGISTRY.get_sample_value("chatops_flow_starts_total", labels) or 0.0


async def test_bad_input_gets_the_problem_and_the_usage(stack: Stack) -> None:
    assert await flow(stack, REQUESTER_ID, "help") == f"```{FLOW.usage}```"
    cases = {
        "start": "Say which flow; /flow list shows them.",
        "start Refund": "'Refund' is not a flow name.",
        "start refund amount": "'amount' is not key=value.",
        "start refund a=1 a=2": "input 'a' is given twice.",
        "launch refund": "Unknown command 'launch'.",
    }
    for text, problem in cases.items():
        assert await flow(stack, REQUESTER_ID, text) == f"{problem}\n```{FLOW.usage}```"
    assert stack.flow_starter.calls == []


async def test_a_start_is_answered_and_announced_with_every_typed_value_escaped(
    stack: Stack,
) -> None:
    order = unique("ORD")
    answer = await flow(
        stack, REQUESTER_ID, f'start refund order_id={order} amount=7500 customer="<!channel> & co"'
    )
    [call] = stack.flow_starter.calls
    assert call == {
        "name": "refund",
        "inputs": {"order_id": order, "amount": "7500", "customer": "<!channel> & co"},
        "started_by": REQUESTER_ID,
        "business_key": None,
    }
    workflow_id = answer.removeprefix("Flow `refund` started: `").split("`")[0]
    assert workflow_id.startswith("flow-refund-")
    assert answer.endswith(
        f"<http://127.0.0.1:8233/namespaces/default/workflows/{workflow_id}|Open in Temporal>"
    )
    announced = await assert_eventually(
        lambda: [m["text"] for m in stack.sim.messages(APPROVALS_CHANNEL_ID)],
        lambda texts: any(workflow_id in t for t in texts),
        what="the start announced in #approvals",
    )
    assert announced[-1] == (
        f"<@{REQUESTER_ID}> started flow `refund` (order_id={order}, amount=7500, "
        f"customer=&lt;!channel&gt; &amp; co): `{workflow_id}`"
    )


async def test_members_of_a_group_the_policy_names_may_start(stack: Stack) -> None:
    answer = await flow(stack, APPROVER_ID, "start refund order_id=ORD-9 amount=1 customer=x")
    assert answer.startswith("Flow `refund` started: `flow-refund-")
    assert [c["started_by"] for c in stack.flow_starter.calls] == [APPROVER_ID]


async def test_who_the_policy_does_not_name_is_refused_with_a_reason(stack: Stack) -> None:
    before = refusals("not_allowed"), refusals("not_listed")
    refused = await flow(stack, OUTSIDER_ID, "start refund order_id=ORD-1 amount=1 customer=x")
    assert refused == (
        "You may not start flow `refund`: the policy's flows list does not name you or a group "
        "of yours for it. Nothing was started."
    )
    refused = await flow(stack, REQUESTER_ID, "start production-change change_id=C summary=s")
    assert refused.startswith("You may not start flow `production-change`")
    unlisted = await flow(stack, OPERATOR_ID, "start deploy-web")
    assert unlisted == (
        "No entry of the policy's flows list names flow `deploy-web`, so it cannot be started "
        "from Slack or the webhook. Nothing was started."
    )
    assert stack.flow_starter.calls == []
    assert (refusals("not_allowed"), refusals("not_listed")) == (before[0] + 2, before[1] + 1)
    allowed = await flow(stack, OPERATOR_ID, "start production-change change_id=C summary=s")
    assert allowed.startswith("Flow `production-change` started: ")


async def test_a_start_the_starter_refuses_shows_its_message(stack: Stack) -> None:
    stack.flow_starter.raises = FlowStartRefused("input 'amount' must be a number, not 'lots'")
    answer = await flow(stack, REQUESTER_ID, "start refund order_id=O amount=lots customer=x")
    assert answer == "Flow `refund` was not started: input 'amount' must be a number, not 'lots'"
    texts = [m["text"] for m in stack.sim.messages(APPROVALS_CHANNEL_ID)]
    assert not any("started flow" in t for t in texts)


async def test_the_list_says_what_each_asker_may_start(stack: Stack) -> None:
    outsider = await flow(stack, OUTSIDER_ID, "list")
    assert outsider.startswith("*Flows* (2): start one with `/flow start <name> key=value ...`")
    assert "• `refund`: Refund an order; above 5000 finance approves first. (you may not" in (
        outsider
    )
    assert "    ◦ `amount` number, required: How much to refund" in outsider
    assert "    ◦ `service` string, default web: The service changed" in outsider
    approver = await flow(stack, APPROVER_ID, "list")
    lines = [line for line in approver.splitlines() if line.startswith("• ")]
    assert [line.rsplit("(", 1)[1] for line in lines] == [
        "you may not start it)",
        "you may start it)",
    ]


async def test_an_announcement_slack_refuses_is_told_naming_the_channel(stack: Stack) -> None:
    stack.sim.faults.add("chat.postMessage", "error", status=500)
    await flow(stack, REQUESTER_ID, "start refund order_id=O-2 amount=1 customer=x")
    told = await assert_eventually(
        lambda: [e["text"] for e in stack.sim.ephemerals(REQUESTER_ID)],
        lambda texts: any(t.startswith("Done, but") for t in texts),
        what="the asker told the announcement failed",
    )
    assert told[-1].startswith("Done, but I could not say so in #approvals (")
    assert len(stack.flow_starter.calls) == 1
