"""One module per workload, each defining ``WORKLOAD = benchmarks.workload.Workload(...)``.

Modules here are found by ``benchmarks.registry``; a module whose name starts with "_" is not a workload.
"""
