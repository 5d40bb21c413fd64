"""The page of a Vietnamese administrative document (Decree 30/2020/NĐ-CP, Appendix I), for every
official document the project makes.

- ``layout``: the rules as plain data and text, with no library behind them: A4 and its margins,
  the font and its sizes, the national name and motto, the number line, the place-and-date line,
  numbers written the Vietnamese way, the signature and the recipients. A Word document and an HTML
  page printed to PDF (WeasyPrint) read the same values.
- ``word``: those rules made into a Word document with python-docx: ``new_document`` (styles,
  section, page numbers, properties), ``header_block``, ``title_block``, ``heading``, ``body``,
  ``data_table``, ``landscape_section``, ``signature_block``, ``to_bytes``. A document's own
  content (the aggregated report's tables, say) lives beside its app and calls these.
"""
