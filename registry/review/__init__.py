"""The review: the verdict, the comment, check-run text, approvals and ownership."""
