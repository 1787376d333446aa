//! The FCE MiPyMEs obligation on ordinary invoices (docs/arca.md §M.4): a Factura A, B or C (1,
//! 6, 11) to a CUIT (DocTipo 80) that wsfecred's registry obliges to receive FCE on the voucher's
//! date, from a MiPyME issuer, for a total in pesos (ImpTotal × MonCotiz) at or above the
//! threshold, is 10192. It never looks at FCE vouchers (201–213) or other receivers, and never
//! decides who is obliged (the context's `fce_threshold` does).

use rust_decimal::Decimal;

use super::{Finding, Voucher};

/// ARCA's text for an ordinary voucher the Ley 27.440 regime excludes (the text is ARCA's; the
/// code it comes with is our reading, docs/arca.md §M.4).
pub const NOT_VALID_UNDER_27440: &str = "No es un comprobante valido bajo el Regimen de la Ley n° 27.440";

pub(super) fn check(voucher: &Voucher<'_>, findings: &mut Vec<Finding>) {
    if !matches!(voucher.tipo, 1 | 6 | 11) || voucher.detail.doc_tipo != 80 {
        return;
    }
    let Some(fecha) = voucher.date() else {
        return;
    };
    let Some(threshold) = (voucher.context.fce_threshold)(voucher.detail.doc_nro, fecha) else {
        return;
    };
    let rate = match (
        voucher.detail.mon_cotiz,
        voucher.detail.mon_id.as_deref().map(str::trim),
    ) {
        (Some(rate), _) => rate,
        (None, None | Some("PES")) => Decimal::ONE,
        // No rate to convert with: other rules speak about the currency.
        (None, Some(_)) => return,
    };
    let Some(total) = voucher.detail.imp_total.checked_mul(rate) else {
        return;
    };
    if total >= threshold {
        findings.push(Finding::new(10192, NOT_VALID_UNDER_27440));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{FCE_OBLIGED, NOT_MIPYME, dec, findings, findings_of_issuer};

    fn codes(found: &[super::Finding]) -> Vec<u32> {
        found.iter().map(|finding| finding.code).collect()
    }

    #[test]
    fn an_ordinary_invoice_to_an_obliged_buyer_at_the_threshold_is_10192() {
        for tipo in [1, 6, 11] {
            let at = findings(tipo, |d| {
                d.doc_tipo = 80;
                d.doc_nro = FCE_OBLIGED;
                d.imp_total = dec("3958316.00");
            });
            let refusal = at
                .iter()
                .find(|f| f.code == 10192)
                .unwrap_or_else(|| panic!("{tipo}: {at:?}"));
            assert!(refusal.excluding);
            assert_eq!(refusal.message, super::NOT_VALID_UNDER_27440);
            let below = findings(tipo, |d| {
                d.doc_tipo = 80;
                d.doc_nro = FCE_OBLIGED;
            });
            assert!(!codes(&below).contains(&10192), "{tipo}: {below:?}");
        }
    }

    #[test]
    fn other_receivers_issuers_and_classes_are_not_10192() {
        let big = |d: &mut crate::wsfe::request::Detail| {
            d.imp_total = dec("5000000");
            d.doc_tipo = 80;
            d.doc_nro = FCE_OBLIGED;
        };
        assert!(!codes(&findings_of_issuer(NOT_MIPYME, 1, big)).contains(&10192));
        assert!(!codes(&findings(1, |d| d.imp_total = dec("5000000"))).contains(&10192));
        assert!(!codes(&findings(201, big)).contains(&10192));
        assert!(!codes(&findings(3, big)).contains(&10192));
    }
}
