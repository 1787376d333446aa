//! Golden tests of WSCDC against the recorded homologation traffic.
