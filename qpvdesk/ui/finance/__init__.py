"""The "Financements" screen: envelopes, amounts per funder and line, budget lines."""
