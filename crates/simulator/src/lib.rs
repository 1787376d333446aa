//! arca-simulator: an offline ARCA homologation environment over real HTTP and SOAP.
//!
//! It serves WSAA (`/ws/services/LoginCms`), WSFEv1, the padrón services A5 and A13
//! ([`padron`]), WSCDC and wsfecred ([`wsfecred`], FCE obligation and the buyer's acceptance). WSAA is served the way ARCA's Axis server does: it verifies the CMS
//! against its own certificate authority, applies the TRA's schema and time rules, issues 12-hour
//! tickets whose signature it can check later, and enforces the preventive window. Tests and
//! operators drive it through a control API under `/_sim/` (clock offset, faults, call counts,
//! certificate signing, points of sale, the CAE/CAEA outage switch, CAEA records).
//!
//! Principal types: [`Simulator`] (configuration, then [`Simulator::spawn`]), [`RunningSimulator`],
//! [`CertificateAuthority`].
//!
//! It parses requests by local element names with its own reader and never uses the client's
//! types (`arca-protocol` is not a dependency), so a serialisation bug in the client cannot hide
//! behind a matching bug here.

mod ca;
mod clock;
mod control;
mod error;
mod faults;
pub mod padron;
mod server;
mod soap;
mod state;
mod wsaa;
mod wscdc;
mod wsfe;
pub mod wsfecred;

pub use ca::CertificateAuthority;
pub use clock::SimClock;
pub use error::SimulatorError;
pub use faults::{FaultAction, FaultRule, OutageState};
pub use server::{RunningSimulator, Simulator};
pub use wsfe::store::PointOfSale;
