"""Supervision: the lights (红绿灯) with their reasons, daily snapshots and escalation, public
reports (投诉举报), the board. Supervision reads every other room."""
