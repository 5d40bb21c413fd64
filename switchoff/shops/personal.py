"""The phone shops hold no data of the campaign's people (a shop's owner is a business contact): nothing to
declare in ``privacy.registry``; this module says so, so that nobody looks for a forgotten declaration."""
