#!/bin/sh
# Writes Tests/Fixtures/real/libreoffice.xlsx and .ods with LibreOffice itself (Debian's
# libreoffice-calc-nogui), from a ';' CSV, the ZIP column imported as text so 0800 stays 0800.
# The files are committed; rerun to make them again.
set -e
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
printf 'Kundenr.;Navn;Postnr.;By;Telefon\n1001;Bageriet Ørsted ApS;8000;Aarhus C;20000002\n1002;Café Møllen;0800;Høje Taastrup;+45 33 12 34 56\n' > "$work/libreoffice.csv"
for format in xlsx ods; do
    libreoffice --headless --infilter="CSV:59,34,76,1,1/1/2/1/3/2/4/1/5/1" --convert-to "$format" --outdir "$work" "$work/libreoffice.csv" > /dev/null
    cp "$work/libreoffice.$format" "$here/real/"
done
rm -rf "$work"
