"""What AMI costs over MI: the same labels scored both ways, n = 10^6, 100 x 100 clusters.

AMI = (MI - E[MI]) / (mean(H) - E[MI]): beyond MI it needs the entropies and the expected MI under
the hypergeometric model. With 100 clusters a side the expected-MI term is small work, so AMI should
cost little more than MI. Labels uniform in [0, 100), independent. torch_mi at 1 and 2 threads;
scikit-learn once, for its own AMI / MI ratio.
"""

from __future__ import annotations

import torch

from benchmarks.goals import Pick, Ratio
from benchmarks.peers import inputs, score
from benchmarks.results import WorkloadResults
from benchmarks.tables import fmt_ratio, fmt_time, peer
from benchmarks.workload import Context, Job, Measurement, Table, Workload, device_sync, power_label

K = 100
SIZES = {"quick": 10**4, "full": 10**6}


def cases(ctx: Context) -> list[Measurement]:
    n = SIZES["quick" if ctx.quick else "full"]
    case = f"n={power_label(n)}, {K} x {K} clusters"
    out = []
    for metric in ("mi", "ami"):
        out += [Measurement("ami_mi_ratio", case, "torch_mi", {"n": n}, metric=metric, device=ctx.device, threads=t,
                            cap_s=ctx.cap_s)
                for t in ctx.threads]
        if ctx.device == "cpu":
            out.append(Measurement("ami_mi_ratio", case, "sklearn", {"n": n}, metric=metric, threads=ctx.one_thread,
                                   cap_s=ctx.cap_s))
    return out


def prepare(m: Measurement) -> Job:
    gen = torch.Generator(device=m.device).manual_seed(12)
    target = torch.randint(0, K, (m.params["n"],), generator=gen, device=m.device)
    preds, target = inputs(m.impl, torch.randint(0, K, target.shape, generator=gen, device=m.device), target)
    fn = score(m.impl, m.metric)
    return Job(lambda: fn(preds, target), sync=device_sync(m.device))


def table(results: WorkloadResults, device: str) -> Table:
    rows = []
    for _, case in results.cases(device)[:1]:
        for threads in results.threads("torch_mi", device, case):
            mi, ami = (results.find(case=case, impl="torch_mi", metric=metric, device=device, threads=threads)
                       for metric in ("mi", "ami"))
            sk_mi, sk_ami = (peer(results, case, "sklearn", metric, device, None) for metric in ("mi", "ami"))
            rows.append([case, str(threads), fmt_time(mi), fmt_time(ami), fmt_ratio(ami, mi),
                         fmt_time(sk_mi), fmt_time(sk_ami), fmt_ratio(sk_ami, sk_mi), fmt_ratio(sk_ami, ami)])
    headers = ["case", "threads", "torch_mi MI", "torch_mi AMI", "AMI ÷ MI", "sklearn MI", "sklearn AMI",
               "sklearn AMI ÷ MI", "sklearn AMI ÷ torch_mi AMI"]
    return Table(headers, rows)


WORKLOAD = Workload(
    name="ami_mi_ratio",
    title="AMI / MI cost ratio",
    about="The same labels (n = 10^6, 100 x 100 uniform clusters) scored by MI and by AMI: what the "
    "expected-MI and entropy terms add.",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[Ratio("AMI / MI time, n=10^6, 100 x 100: <= 3x", Pick("torch_mi", metric="ami", params={"n": 10**6}),
                   Pick("torch_mi", metric="mi", params={"n": 10**6}), at_most=3)],
    order=45,
)
