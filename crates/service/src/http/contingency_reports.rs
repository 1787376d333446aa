//! `GET /v1/contingency/reports` (to be written).
