"""The small XML parts of a package, parsed by a hardened XML parser (never by regular expressions).

lxml (libxml2) parses in time linear in the size of the part; the parser resolves no entity,
loads no DTD, never touches the network and keeps libxml2's limits on depth and text size
(``huge_tree`` off). A part that declares a document type is refused outright: the parts Excel,
LibreOffice and WPS write never do, and a DTD is where entity tricks live. Every function takes
the part's bytes and raises ``UnsafeXml`` (not well-formed, or a DTD) instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                          dtd_validation=False, remove_pis=True, remove_comments=True)


# The first kilobytes of a large part: cut off anywhere, so parsed in recover mode (still no
# entity, no DTD, no network).
_HEAD_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False,
                               load_dtd=False, remove_pis=True, remove_comments=True)


class UnsafeXml(ValueError):
    """A package part that is not well-formed XML, or declares a document type."""


def parse(data: bytes) -> etree._Element:
    """The root element of an XML part.

    Raises:
        UnsafeXml: not well-formed, or with a DOCTYPE (entities, external references).
    """
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise UnsafeXml(str(exc)[:200]) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml("document type declaration")
    return root


def local(tag: object) -> str:
    """Local name of an element tag (``{ns}definedName`` -> ``definedName``; "" for comments)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def elements(root: etree._Element, name: str) -> Iterator[etree._Element]:
    """Every element named ``name`` (any namespace: transitional and strict OOXML alike)."""
    return (el for el in root.iter() if local(el.tag) == name)


def attribute(el: etree._Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (``r:id`` and ``id`` alike)."""
    value = el.get(name)
    if value is not None:
        return value
    for key, value in el.attrib.items():
        if local(key) == name:
            return value
    return None


def workbook_parts(data: bytes) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Defined names and sheets of ``xl/workbook.xml`` from one parse (see the two functions above)."""
    root = parse(data)
    names: dict[str, str] = {}
    sheets: list[tuple[str, str]] = []
    for el in root.iter():
        tag = local(el.tag)
        if tag == "definedName" and el.get("localSheetId") is None and el.text:
            names[(el.get("name") or "").upper()] = el.text
        elif tag == "sheet":
            sheets.append((el.get("name") or "", attribute(el, "id") or ""))
    return names, sheets


def custom_properties(data: bytes) -> dict[str, str]:
    """Custom document properties of ``docProps/custom.xml``: name -> text of its value."""
    props: dict[str, str] = {}
    for el in elements(parse(data), "property"):
        value = next(iter(el), None)
        props[el.get("name") or ""] = (value.text or "") if value is not None else ""
    return props


def core_times(data: bytes) -> tuple[str, str]:
    """(created, modified) texts of ``docProps/core.xml`` ("" when absent)."""
    found = {"created": "", "modified": ""}
    for el in parse(data).iter():
        tag = local(el.tag)
        if tag in found and el.text:
            found[tag] = el.text.strip()
    return found["created"], found["modified"]


def relationships(data: bytes) -> list[dict[str, str]]:
    """Relationships of a ``.rels`` part: Id, Type and Target of each."""
    return [{"Id": el.get("Id") or "", "Type": el.get("Type") or "", "Target": el.get("Target") or ""}
            for el in elements(parse(data), "Relationship")]


def table(data: bytes) -> tuple[dict[str, str], list[str]] | None:
    """Attributes of an Excel Table part's root and the names of its columns (None when not a table)."""
    root = parse(data)
    if local(root.tag) != "table":
        return None
    return dict(root.attrib), [el.get("name") or "" for el in elements(root, "tableColumn")]


def sheet_head(head: bytes, rows: int = 4) -> tuple[str | None, list[str]]:
    """What the first bytes of a worksheet part say of its extent, before it is read.

    Only those bytes are parsed (the rest of the part is never inflated), in libxml2's recover
    mode so that the cut-off end does not matter: the ``ref`` of ``<dimension>`` (None when
    absent), and for each of the first ``rows`` rows its number (as "row:N") and the reference
    of its last cell (cells come in column order, so the last is the farthest).

    Raises:
        UnsafeXml: the bytes declare a document type (entities), or are no XML at all.
    """
    if b"<!DOCTYPE" in head:
        raise UnsafeXml("document type declaration")
    try:
        root = etree.fromstring(head, _HEAD_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(str(exc)[:200]) from exc
    if root is None:
        raise UnsafeXml("no element")
    dimension: str | None = None
    refs: list[str] = []
    for el in root.iter("{*}dimension", "{*}row"):
        if local(el.tag) == "dimension":
            if dimension is None:
                dimension = el.get("ref") or ""
            continue
        refs.append("row:" + (el.get("r") or ""))
        if len(el):
            refs.append(el[-1].get("r") or "")
        rows -= 1
        if rows <= 0:
            break
    return dimension, refs
