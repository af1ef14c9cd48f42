"""SyncStore: one master catalog, published to Shopee and TikTok Shop."""
__version__ = "0.1.0"
