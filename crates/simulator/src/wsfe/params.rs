//! The parameter tables WSFEv1 serves (`FEParamGet*`, arca-protocol.md §E), as the simulator's
//! own data, and the lookups the rules use.
