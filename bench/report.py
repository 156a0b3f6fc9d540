# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Tables and a plot from a bench/run.sh, bench/oidc.sh or bench/remote.sh
run.

  report.py OUT
reads OUT/results.txt ("ROUND CASE REQ_PER_S NON_2XX"), OUT/memory.txt
("INSTANCE PHASE PID PRIVATE_KB RSS_KB"), OUT/callgrind.txt ("CASE
REQUEST_INSTRUCTIONS CHECK_INSTRUCTIONS REQUESTS") and OUT/machine.txt, and
shows the text of OUT/bearer_cost.txt, token_cost.txt, code_cost.txt and
fetches.txt where they exist; writes OUT/table.md and OUT/req_per_s.png
(gnuplot), and prints the table.

Ratios are to the plain httpd measured next to the case: run.sh runs
plain before the first case of a round and after every case, so each
case's ratio is to the mean of the plain runs just before and after it;
the table gives the median of a case's ratios over the rounds.
"""

import collections
import os
import statistics
import subprocess
import sys

out = sys.argv[1]


def read(name):
    path = os.path.join(out, name)
    return [l.split() for l in open(path)] if os.path.exists(path) else []


rows = collections.OrderedDict()
ratios = collections.defaultdict(list)
to_plain = collections.defaultdict(dict)  # case -> round -> ratio
bad = collections.Counter()
runs = read("results.txt")
for i, (r, case, rps, non2xx) in enumerate(runs):
    rows.setdefault(case, []).append(float(rps))
    bad[case] += int(non2xx)
    if case == "plain":
        continue
    # the plain runs next to this one, in the order they ran
    before = [float(x[2]) for x in runs[:i] if x[1] == "plain"][-1:]
    after = [float(x[2]) for x in runs[i + 1:] if x[1] == "plain"][:1]
    base = before + after
    if base and statistics.mean(base) > 0:
        ratios[case].append(float(rps) / statistics.mean(base))
        to_plain[case][r] = ratios[case][-1]
ratios["plain"] = [1.0]

# Cases in a fixed order (they ran shuffled): the base, this module, the
# peer modules, then the token endpoints.
GROUPS = ("plain", "ours", "openidc", "liboauth2", "as-es", "as-es-cached",
          "as-rs", "node", "file", "url", "cachehit", "introspection")


def case_order(case):
    group = case.split(":")[0]
    return (GROUPS.index(group) if group in GROUPS else len(GROUPS), case)


rows = collections.OrderedDict(sorted(rows.items(),
                                      key=lambda kv: case_order(kv[0])))

lines = []
say = lines.append
say("## Throughput\n")
say("```")
say(open(os.path.join(out, "machine.txt")).read().rstrip())
say("```\n")
say("| case | req/s (median) | min – max | ratio to plain (median) "
    "| ratio min – max | non-2xx |")
say("|---|---:|---:|---:|---:|---:|")
medians = []
for case, v in rows.items():
    m = statistics.median(v)
    medians.append((case, m))
    rs = ratios.get(case)
    ratio = f"{statistics.median(rs):.2f}" if rs else "–"
    spread = f"{min(rs):.2f} – {max(rs):.2f}" if rs else "–"
    say(f"| {case} | {m:.0f} | {min(v):.0f} – {max(v):.0f} | {ratio} "
        f"| {spread} | {bad[case]} |")

# Cases over a base case, round by round (both ran in the same round,
# minutes apart at most): (title, ((case, base case), ...)). Each pair has
# a second row: the quotient of the two cases' ratios to their own plain
# neighbours, which takes out a drift of the machine between the two.
PER_ROUND = (
    ("client_credentials (ES256) over node-oidc-provider",
     (("as-es:client_credentials", "node:client_credentials:es"),
      ("as-es-cached:client_credentials", "node:client_credentials:es"))),
    ("The code grant with openid over the same without",
     (("as-es:authorization_code:openid", "as-es:authorization_code"),)),
    ("The code grant with openid over node-oidc-provider's",
     (("as-es:authorization_code:openid", "node:authorization_code:openid"),)),
    ("Keys and verdicts of other issuers over local ones",
     (("url:cache-off", "file:cache-off"), ("url:cache-on", "file:cache-on"),
      ("introspection", "cachehit"))),
)
per_round = collections.defaultdict(dict)
for r, case, rps, _bad in read("results.txt"):
    per_round[r][case] = float(rps)


def per_round_row(label, q):
    """A row of ratios by round (None: not measured), median and range."""
    got = [x for x in q if x is not None]
    return (f"| {label} | " + " | ".join("–" if x is None else f"{x:.2f}"
                                         for x in q)
            + (f" | {statistics.median(got):.2f} | {min(got):.2f} – "
               f"{max(got):.2f} |" if got else " | – | – |"))


for title, pairs in PER_ROUND:
    pairs = [(c, b) for c, b in pairs if c in rows and b in rows]
    if not pairs:
        continue
    rounds = sorted(per_round)
    say(f"\n## {title}, per round\n")
    say("| case / base | " + " | ".join("round %s" % r for r in rounds)
        + " | median | min – max |")
    say("|---|" + "---:|" * (len(rounds) + 2))
    for c, b in pairs:
        say(per_round_row(f"{c} / {b}", [
            per_round[r][c] / per_round[r][b]
            if c in per_round[r] and per_round[r].get(b) else None
            for r in rounds]))
        say(per_round_row("(each over its plain neighbours)", [
            to_plain[c][r] / to_plain[b][r]
            if to_plain[c].get(r) and to_plain[b].get(r) else None
            for r in rounds]))

mem = read("memory.txt")
if mem:
    say("\n## Memory per httpd child (KiB, mean over children)\n")
    say("| instance | phase | children | private | RSS | private over plain |"
        " RSS over plain |")
    say("|---|---|---:|---:|---:|---:|---:|")
    groups = collections.OrderedDict()
    for inst, phase, _pid, priv, rss in mem:
        groups.setdefault((inst, phase), []).append((int(priv), int(rss)))
    plain = {ph: (statistics.mean(p for p, _ in g),
                  statistics.mean(r for _, r in g))
             for (i, ph), g in groups.items() if i == "plain"}
    for (inst, phase), g in groups.items():
        p = statistics.mean(x for x, _ in g)
        r = statistics.mean(y for _, y in g)
        base = plain.get(phase)
        dp = f"{p - base[0]:+.0f}" if base else "–"
        dr = f"{r - base[1]:+.0f}" if base else "–"
        say(f"| {inst} | {phase} | {len(g)} | {p:.0f} | {r:.0f} | {dp} | {dr} |")

cg = read("callgrind.txt")
if cg:
    say("\n## Instructions per request (callgrind, httpd -X)\n")
    say("request: every hook httpd runs for the request (inclusive cost of "
        "ap_process_request_internal); check: the module's check_authn.\n")
    say("| case | request | over plain | check | requests |")
    say("|---|---:|---:|---:|---:|")
    base = next((int(r) for c, r, _, _ in cg if c == "plain"), None)
    for case, req, chk, n in cg:
        over = f"{int(req) - base:+,}" if base is not None else "–"
        say(f"| {case} | {int(req):,} | {over} | {int(chk):,} | {n} |")

# Text the scripts wrote, shown as it is: (file, title).
for name, title in (
        ("bearer_cost.txt", "The check alone, in process (bench/bearer_cost)"),
        ("token_cost.txt", "A client_credentials grant alone, in process "
         "(bench/token_cost)"),
        ("code_cost.txt", "A code redemption alone, with and without openid, "
         "in process (bench/code_cost)"),
        ("fetches.txt", "What the other issuers were asked (their access "
         "logs)")):
    path = os.path.join(out, name)
    if os.path.exists(path):
        say(f"\n## {title}\n")
        say("```")
        say(open(path).read().rstrip())
        say("```")

text = "\n".join(lines) + "\n"
open(os.path.join(out, "table.md"), "w").write(text)
print(text)

# The plot: one horizontal bar per case, median req/s.
data = os.path.join(out, "req_per_s.dat")
with open(data, "w") as f:
    for i, (case, m) in enumerate(medians):
        f.write(f'{i} "{case}" {m:.0f}\n')
png = os.path.join(out, "req_per_s.png")
script = f"""
set terminal pngcairo noenhanced size 1000,{140 + 22 * len(medians)} font ",10"
set output "{png}"
set title "req/s, median of rounds (wrk -t1 -c32; higher is better)"
set xlabel "requests per second"
set yrange [{len(medians)}:-1]
set ytics scale 0
set grid xtics
set xrange [0:*]
set style fill solid 0.8
set key off
plot "{data}" using (0):1:(0):3:($1-0.4):($1+0.4):ytic(2) with boxxyerror lc rgb "#3b6ea8", \\
     "" using 3:1:(sprintf(" %d", $3)) with labels left font ",8"
"""
try:
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
except (OSError, subprocess.CalledProcessError) as e:
    print(f"no plot: {e}")
