//! `GET /v1/contingency` (to be written).
