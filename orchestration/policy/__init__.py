"""The approval policy: the file people edit (:mod:`.file`), deciding a request by it
(:mod:`.match`), the workflow side of that decision (:mod:`.check`), and who may decide a
request that waits for approval (:mod:`.deciders`)."""
