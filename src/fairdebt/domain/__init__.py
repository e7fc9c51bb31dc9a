"""The pure core: values and entities of debt collection, no I/O.

Everything here imports the standard library, our own types, and two pure validation
libraries (python-stdnum, phonenumbers); time is always an argument.
"""
