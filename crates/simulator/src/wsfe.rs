//! The simulated WSFEv1 (`/wsfev1/service.asmx`), arca-protocol.md §A.3, §C–§H.

pub mod params;
pub mod registry;
pub mod request;
pub mod rules;
