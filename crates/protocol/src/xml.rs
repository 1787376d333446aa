//! A small element tree for reading SOAP responses by local name.
//!
//! ARCA's two servers disagree on prefixes and namespaces (Axis echoes whatever namespace the
//! request used; ASMX uses a default namespace), so responses are read by local element names
//! only. Text is unescaped and CDATA is taken as text, which covers both ways `loginCmsReturn`
//! has been seen on the wire.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// One element: its local name, attributes (local names), concatenated text and children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

/// The document is not well-formed XML.
#[derive(Debug, Clone, thiserror::Error)]
#[error("malformed XML: {0}")]
pub struct XmlError(pub String);

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this local name, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a path of local names from this element (`["Body", "loginCmsResponse"]`).
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names
            .iter()
            .try_fold(self, |element, name| element.child(name))
    }

    /// The first element with this local name anywhere below (depth first), or this one.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// Trimmed text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a whole document into its root element.
pub fn parse(document: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(document);
    let mut stack: Vec<Element> = Vec::new();
    let err = |e: &dyn std::fmt::Display| XmlError(e.to_string());
    loop {
        match reader.read_event().map_err(|e| err(&e))? {
            Event::Start(start) => stack.push(open(&start).map_err(|e| err(&e))?),
            Event::Empty(start) => {
                let element = open(&start).map_err(|e| err(&e))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| XmlError("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    current
                        .text
                        .push_str(&text.unescape().map_err(|e| err(&e))?);
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current
                        .text
                        .push_str(&String::from_utf8_lossy(&data.into_inner()));
                }
            }
            Event::Eof => {
                return Err(XmlError(
                    "document ended before its root element closed".into(),
                ));
            }
            _ => {}
        }
    }
}

fn open(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, quick_xml::Error> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(quick_xml::Error::from)?;
        let key = attribute.key.local_name();
        if attribute.key.as_ref().starts_with(b"xmlns") {
            continue;
        }
        let value = attribute.unescape_value()?.into_owned();
        attributes.push((String::from_utf8_lossy(key.as_ref()).into_owned(), value));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// Escapes text for an element body or attribute value.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_by_local_name_whatever_the_prefix() {
        let doc = r#"<s:Envelope xmlns:s="a"><s:Body><x:R xmlns:x="b" k="v"><x:A>1 &amp; 2</x:A><B><![CDATA[<c/>]]></B><E/></x:R></s:Body></s:Envelope>"#;
        let root = parse(doc).unwrap();
        let r = root.path(&["Body", "R"]).unwrap();
        assert_eq!(r.attribute("k"), Some("v"));
        assert_eq!(r.child_text("A"), Some("1 & 2"));
        assert_eq!(r.child_text("B"), Some("<c/>"));
        assert_eq!(r.child_text("E"), Some(""));
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
    }
}
