"""Outbound channels: one provider per module. Every send passes the gate guard first."""
