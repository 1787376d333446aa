//! The filters of an invoice list (`GET /v1/invoices`, the dashboard's list) as a caller gives
//! them, and their one check: each value within the range ARCA's fields allow, or named.
//!
//! It never reads storage (`storage::invoices::list_for_account` applies the filter).

use chrono::NaiveDate;

pub use crate::storage::invoices::{InvoiceFilter, InvoiceStatus};

/// The list's filters before they are checked (the customer's document as typed).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<InvoiceStatus>,
    pub fecha_desde: Option<NaiveDate>,
    pub fecha_hasta: Option<NaiveDate>,
    /// Part of the customer's name, case-insensitive (at most 200 characters).
    pub cliente_nombre: Option<String>,
    /// The customer's document number, 1 to 11 digits.
    pub cliente_documento: Option<String>,
    /// ARCA's point of sale number, 1 to 99998.
    pub punto_venta: Option<i32>,
    /// ARCA's voucher type, 1 to 999.
    pub tipo_comprobante: Option<i32>,
}

impl ListQuery {
    /// The filter the storage applies, or every value out of its range named.
    pub fn check(self) -> Result<InvoiceFilter, crate::Error> {
        let mut errors = Vec::new();
        let mut refuse = |field: &str, message: &str| errors.push((field.to_string(), message.to_string()));
        let cliente_documento = match self.cliente_documento.as_deref() {
            None => None,
            Some(digits) if (1..=11).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits.parse::<i64>().ok()
            }
            Some(_) => {
                refuse("cliente_documento", "must be 1 to 11 digits");
                None
            }
        };
        if self
            .cliente_nombre
            .as_ref()
            .is_some_and(|name| name.chars().count() > 200)
        {
            refuse("cliente_nombre", "must be at most 200 characters");
        }
        if self.punto_venta.is_some_and(|n| !(1..=99998).contains(&n)) {
            refuse("punto_venta", "must be a whole number from 1 to 99998");
        }
        if self.tipo_comprobante.is_some_and(|n| !(1..=999).contains(&n)) {
            refuse("tipo_comprobante", "must be a whole number from 1 to 999");
        }
        if !errors.is_empty() {
            return Err(crate::Error::Invalid(errors));
        }
        Ok(InvoiceFilter {
            status: self.status,
            fecha_desde: self.fecha_desde,
            fecha_hasta: self.fecha_hasta,
            cliente_nombre: self.cliente_nombre,
            cliente_documento,
            punto_venta: self.punto_venta,
            tipo_comprobante: self.tipo_comprobante,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_out_of_range_is_named() {
        let refused = ListQuery {
            cliente_documento: Some("12a".into()),
            punto_venta: Some(0),
            tipo_comprobante: Some(1000),
            cliente_nombre: Some("x".repeat(201)),
            ..ListQuery::default()
        }
        .check();
        let Err(crate::Error::Invalid(problems)) = refused else {
            panic!("expected problems, got {refused:?}");
        };
        let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(
            fields,
            ["cliente_documento", "cliente_nombre", "punto_venta", "tipo_comprobante"]
        );
        let filter = ListQuery {
            cliente_documento: Some("20267565393".into()),
            ..ListQuery::default()
        }
        .check()
        .unwrap();
        assert_eq!(filter.cliente_documento, Some(20267565393));
    }
}
