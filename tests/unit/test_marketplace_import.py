"""What `import --from` and the demo say about an import: the summary in words, never a Python repr."""

from __future__ import annotations

from syncstore_cli.app.marketplace_import import MarketplaceImportSummary, describe_import
from syncstore_cli.domain.records import ImportSummary


def test_the_summary_reads_as_a_sentence_with_every_figure() -> None:
    summary = MarketplaceImportSummary(
        listings={"shopee": 3647, "tiktok": 500}, mapped=4892, calls=1234,
        catalog=ImportSummary(path="shopee+tiktok", products=4147, created=4147, updated=0, unchanged=0,
                              relisted=0))
    sentence = describe_import(summary)
    assert sentence == ("3,647 listings read from Shopee, 500 from TikTok Shop; 4,147 created, 0 updated, "
                        "0 unchanged; 4,892 listing and variant ids recorded; 0 SKU collisions; 1,234 API calls")
    assert "MarketplaceImportSummary" not in sentence and "{" not in sentence


def test_collisions_unknown_categories_and_repricing_are_counted_in_words() -> None:
    summary = MarketplaceImportSummary(
        listings={"tiktok": 1}, mapped=0, calls=1,
        collisions=["tiktok:17 SKU 'A' is already used by shopee:9"], unknown_categories=["tiktok:18 category 5", "x"],
        catalog=ImportSummary(path="tiktok", products=1, created=0, updated=0, unchanged=0, relisted=1))
    assert describe_import(summary) == ("1 listing read from TikTok Shop; 0 created, 0 updated, 1 re-priced or "
                                        "re-titled, 0 unchanged; 0 listing and variant ids recorded; 1 SKU collision; "
                                        "2 skipped for an unknown category; 1 API call")
