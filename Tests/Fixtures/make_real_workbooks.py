#!/usr/bin/env python3
"""Writes the workbooks under Tests/Fixtures/real/ with the real writers users have: openpyxl
and xlsxwriter (PyPI). The files are committed (small); rerun to make them again:

    pip install openpyxl==3.1.5 xlsxwriter==3.3.1 odfpy==1.4.1 pandas==3.1.1 && python3 Tests/Fixtures/make_real_workbooks.py

- hidden-first-sheet.xlsx (openpyxl): a hidden lookup sheet first (with a register-like
  header), the customers on the active, second sheet;
- number-formats.xlsx (xlsxwriter): numbers with formats — customer number 00000, ZIP 0000
  (800 shows 0800), phone 00 00 00 00, a plain CVR;
- uncalculated-formulas.xlsx (openpyxl): customer numbers as formulas, which openpyxl stores
  without results;
- odfpy-hidden-first-sheet.ods (odfpy, as pandas writes .ods): a hidden first table, the
  customers on the active second one, numbers shown in formats, repeated empty rows;
- pandas-openpyxl.xlsx, pandas-xlsxwriter.xlsx, pandas.ods (pandas' `DataFrame.to_excel` with
  each of its engines): a register as pandas holds it after `read_csv`: the customer number an
  int column, a phone column with a gap and so float, blanks as NaN; the first with pandas'
  default row index in an unnamed column A, in inline strings;
- prefixed.xlsx: number-formats.xlsx with its sheet and shared strings rewritten with an `x:`
  namespace prefix, as .NET's Open XML SDK writes them (no .NET here: the rewrite is ours).
"""
import os
import re
import zipfile

import openpyxl
import xlsxwriter

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "real")
os.makedirs(HERE, exist_ok=True)

# 1. A hidden first sheet.
wb = openpyxl.Workbook()
lookup = wb.active
lookup.title = "Opslag"
lookup.append(["Kundenr.", "Navn"])
lookup.append([1, "Gammel kunde 1"])
lookup.append([2, "Gammel kunde 2"])
lookup.sheet_state = "hidden"
customers = wb.create_sheet("Kunder")
customers.append(["Kundenr.", "Navn", "Postnr.", "By"])
customers.append([1001, "Bageriet Ørsted ApS", "8000", "Aarhus C"])
customers.append([1002, "Café Møllen", "6000", "Kolding"])
customers.append([1003, "Tømrer Hansen", "5000", "Odense C"])
wb.active = 1
wb.save(os.path.join(HERE, "hidden-first-sheet.xlsx"))

# 2. Number formats.
path = os.path.join(HERE, "number-formats.xlsx")
book = xlsxwriter.Workbook(path)
sheet = book.add_worksheet("Kunder")
five, four, phone = book.add_format({"num_format": "00000"}), book.add_format({"num_format": "0000"}), book.add_format({"num_format": "00 00 00 00"})
for col, title in enumerate(["Kundenr.", "Navn", "Postnr.", "By", "Telefon", "CVR"]):
    sheet.write_string(0, col, title)
rows = [(42, "Vinduespudseren", 800, "Høje Taastrup", 20000002, 25043235),
        (43, "Frisør Frk. Fryd", 2100, "København Ø", 33123456, 25169883)]
for r, (number, name, zip_code, city, tel, cvr) in enumerate(rows, start=1):
    sheet.write_number(r, 0, number, five)
    sheet.write_string(r, 1, name)
    sheet.write_number(r, 2, zip_code, four)
    sheet.write_string(r, 3, city)
    sheet.write_number(r, 4, tel, phone)
    sheet.write_number(r, 5, cvr)
book.close()

# 3. Formulas without cached values.
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Kunder"
ws.append(["Kundenr.", "Navn"])
for i in range(2, 5):
    ws.append([f"=1000+ROW()", f"Kunde {i}"])
wb.save(os.path.join(HERE, "uncalculated-formulas.xlsx"))

# 4. The namespace prefix of .NET's Open XML SDK.
def prefixed(xml):
    text = xml.decode("utf-8")
    text = re.sub(r"<(/?)(?!\?)([A-Za-z]+)([ >/])", lambda m: f"<{m.group(1)}x:{m.group(2)}{m.group(3)}", text)
    text = text.replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    return text.encode("utf-8")

with zipfile.ZipFile(path) as source, zipfile.ZipFile(os.path.join(HERE, "prefixed.xlsx"), "w", zipfile.ZIP_DEFLATED) as out:
    for item in source.infolist():
        data = source.read(item.filename)
        if item.filename in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
            data = prefixed(data)
        out.writestr(item, data)
print("wrote", sorted(os.listdir(HERE)))

# 5. OpenDocument (odfpy, the library pandas writes .ods with): a hidden first table, the
#    customers on the second, which settings.xml makes the active one; a float cell, a cell
#    repeated across columns, and the long run of repeated empty rows LibreOffice writes.
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableProperties
from odf.table import Table, TableRow, TableCell
from odf.text import P
from odf.config import ConfigItemSet, ConfigItemMapIndexed, ConfigItemMapEntry, ConfigItem

doc = OpenDocumentSpreadsheet()
hidden = Style(name="taHidden", family="table")
hidden.addElement(TableProperties(display="false"))
doc.automaticstyles.addElement(hidden)
shown = Style(name="taShown", family="table")
shown.addElement(TableProperties(display="true"))
doc.automaticstyles.addElement(shown)


def row(*cells, repeat=None):
    r = TableRow(numberrowsrepeated=repeat) if repeat else TableRow()
    for cell in cells:
        if isinstance(cell, tuple):  # (value, shown text): a number in a format
            c = TableCell(valuetype="float", value=cell[0])
            c.addElement(P(text=cell[1]))
        elif cell is None:
            c = TableCell(numbercolumnsrepeated=3)
        else:
            c = TableCell(valuetype="string")
            c.addElement(P(text=cell))
        r.addElement(c)
    return r


lookup = Table(name="Opslag", stylename="taHidden")
lookup.addElement(row("Kundenr.", "Navn"))
lookup.addElement(row("1", "Gammel kunde"))
doc.spreadsheet.addElement(lookup)
customers = Table(name="Kunder", stylename="taShown")
customers.addElement(row("Kundenr.", "Navn", "Postnr.", "By"))
customers.addElement(row((2001, "2001"), "Bageriet Ørsted ApS", (800, "0800"), "Høje Taastrup", None))
customers.addElement(row((2002, "2002"), "Café Møllen", (6000, "6000"), "Kolding"))
customers.addElement(row(None, repeat=1048000))
doc.spreadsheet.addElement(customers)
settings = ConfigItemSet(name="ooo:view-settings")
views = ConfigItemMapIndexed(name="Views")
entry = ConfigItemMapEntry()
active = ConfigItem(name="ActiveTable", type="string")
active.addText("Kunder")
entry.addElement(active)
views.addElement(entry)
settings.addElement(views)
doc.settings.addElement(settings)
doc.save(os.path.join(HERE, "odfpy-hidden-first-sheet.ods"))
print("wrote odfpy-hidden-first-sheet.ods")


# 6. pandas, with each engine it writes spreadsheets through.
import numpy as np
import pandas as pd

frame = pd.DataFrame({
    "Kundenr.": [1001, 1002, 1003, 1004],
    "Navn": ["Bageriet Ørsted ApS", "Café Møllen", "Tømrer Hansen", "Ærø Rengøring"],
    "Adresse": ["Østergade 12", "Møllevej 3", None, "Havnen 1"],
    "Postnr.": ["0800", "6000", "5000", "5970"],
    "By": ["Høje Taastrup", "Kolding", "Odense C", "Ærøskøbing"],
    "Telefon": [86123456, np.nan, 66112233, 62521234],
    "E-mail": ["kontakt@bageriet.dk", None, "th@tomrer.dk", None],
})
frame.to_excel(os.path.join(HERE, "pandas-openpyxl.xlsx"), engine="openpyxl")  # index=True, pandas' default
frame.to_excel(os.path.join(HERE, "pandas-xlsxwriter.xlsx"), engine="xlsxwriter", index=False, sheet_name="Kunder")
frame.to_excel(os.path.join(HERE, "pandas.ods"), engine="odf", index=False)
print("wrote pandas-openpyxl.xlsx, pandas-xlsxwriter.xlsx, pandas.ods")
