"""Pure business rules: plain values in, decisions out; no I/O, explicit time and policy.

One module per area. ``calls`` routes incoming calls.
"""
