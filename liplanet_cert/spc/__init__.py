"""Statistical process control: process capability (Cp, Cpk, Pp, Ppk with confidence intervals)
and control charts (individuals/moving range, X-bar/R, X-bar/S) with the Western Electric / Nelson
run rules.  Pure numpy/scipy on arrays of numbers: no bundle, no units, no I/O (issue 15)."""
