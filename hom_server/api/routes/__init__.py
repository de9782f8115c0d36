"""One router per domain, as the seed design lays them out."""
