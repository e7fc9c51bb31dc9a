"""fairdebt: compliance-first debt collection (合规催收管理系统)."""

__version__ = "0.1.0"
