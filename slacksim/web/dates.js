// Slack's date tokens for the stand-in's page (loaded before text.js, which calls slackDate):
// the text still carries Slack's escapes, which text.js undoes as for any other text.
"use strict";

// <!date^UNIX^format|fallback> in the reader's time zone, as Slack shows it; the fallback
// where the token or a word of its format is not understood.
// https://docs.slack.dev/messaging/formatting-message-text#date-formatting
function slackDate(target, fallback) {
  const [, seconds, format] = target.split("^");
  const when = new Date(Number(seconds) * 1000);
  if (!format || !/^\d+$/.test(seconds || "") || Number.isNaN(when.getTime())) return fallback;
  let known = true;
  const text = format.replace(/\{(\w+)\}/g, (_, word) => {
    const part = datePart(word, when);
    if (part === null) known = false;
    return part ?? "";
  });
  return known ? text : fallback;
}

function datePart(word, when) {
  const day = (options) => when.toLocaleDateString("en-US", options);
  const short = { month: "short", day: "numeric", year: "numeric" };
  const long = { month: "long", day: "numeric", year: "numeric" };
  const full = { weekday: "long", ...long };
  const parts = {
    date_num: () => [when.getFullYear(), when.getMonth() + 1, when.getDate()]
      .map((n) => String(n).padStart(2, "0")).join("-"),
    date: () => day(long),
    date_short: () => day(short),
    date_long: () => day(full),
    date_pretty: () => relativeDay(when) ?? day(long),
    date_short_pretty: () => relativeDay(when) ?? day(short),
    date_long_pretty: () => relativeDay(when) ?? day(full),
    time: () => when.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" }),
    time_secs: () => when.toLocaleTimeString("en-US"),
  };
  return parts[word] ? parts[word]() : null;
}

function relativeDay(when) {
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((midnight(when) - midnight(new Date())) / 86400000);
  return { "-1": "Yesterday", 0: "Today", 1: "Tomorrow" }[days] ?? null;
}
