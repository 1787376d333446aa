// arca-api dashboard: the one small script. Pages work without it; it adds live totals and
// field checks to the new-invoice form (filled in by the invoices section).
"use strict";
