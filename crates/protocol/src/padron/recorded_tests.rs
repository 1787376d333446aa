//! Golden tests of the padrón against the recorded homologation traffic and the fixtures.
