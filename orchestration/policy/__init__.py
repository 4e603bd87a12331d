"""The approval policy: the file people edit (:mod:`.file`), deciding a request by it
(:mod:`.match`), and the workflow side of that decision (:mod:`.check`)."""
