"""What of OpenEvolve an evaluator imports, provided by Clade so evaluators run unedited."""
