//! Client tests against a one-shot local server (hand-written answers).
