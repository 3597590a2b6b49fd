//! Pacemaker's XML model: a mutable tree with libxml2-faithful attribute order, Pacemaker's text forms, MD5 digests, patchsets, an XPath subset
