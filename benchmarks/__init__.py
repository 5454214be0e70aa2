"""Side-by-side speed and memory benchmarks of torch_mi, scikit-learn and torchmetrics.

Run ``python -m benchmarks.run`` from the repository root; see benchmarks/README.md.
"""
