"""A marketplace leaf category's requirements, read through a client into the domain's terms."""

from __future__ import annotations

from syncstore_cli.domain.taxonomy import AttributeDef, CategoryRequirements, InputType
from syncstore_cli.marketplaces.base import Attribute, MarketplaceClient


def read_requirements(client: MarketplaceClient, category_id: str) -> CategoryRequirements:
    """A leaf's attributes, brand rule and required certifications, as the marketplace answers them."""
    rules = client.category_rules(category_id)
    return CategoryRequirements(
        attributes=tuple(_attribute_def(a) for a in client.attributes(category_id)),
        brand_required=client.brand_required(category_id),
        certifications=tuple(c.name for c in rules.certifications if c.required))


def _attribute_def(attribute: Attribute) -> AttributeDef:
    kind = attribute.input_type
    if kind in InputType.__members__:
        input_type = InputType(kind)
    elif attribute.multiple:
        input_type = InputType.MULTI_SELECT
    else:
        input_type = InputType.SINGLE_SELECT if attribute.values else InputType.TEXT
    return AttributeDef(attribute.id, attribute.name, attribute.mandatory, input_type, tuple(attribute.values),
                        attribute.custom_values, tuple(attribute.units))
