#!/bin/sh
# Adds qpvdesk to the applications menu of the current user (no administrator rights).
# Run it from the unpacked folder, where it stays: ./install.sh
# To remove the entry: ./install.sh --supprimer (the data in ~/.local/share/qpvdesk stays).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
applications="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
entry="$applications/qpvdesk.desktop"

if [ "${1:-}" = "--supprimer" ]; then
  rm -f "$entry"
  echo "qpvdesk a été retiré du menu des applications (vos données sont conservées)."
  exit 0
fi
case "$here" in
  *[\"\`\$\\]*)
    echo "Le dossier « $here » contient un caractère (\" \` \$ \\) qu'un raccourci ne peut pas" \
         "contenir : déplacez le dossier qpvdesk ailleurs, puis relancez ./install.sh." >&2
    exit 1 ;;
esac
mkdir -p "$applications"
# Exec and Icon point at this folder. Exec is quoted (the path may hold spaces) and its
# "%" doubled, as the desktop entry specification asks; "|" and "&" are escaped for sed.
command_path=$(printf '%s' "$here/qpvdesk" | sed -e 's/%/%%/g' -e 's/[|&]/\\&/g')
icon_path=$(printf '%s' "$here/qpvdesk.png" | sed -e 's/[|&]/\\&/g')
sed -e "s|^Exec=.*|Exec=\"$command_path\"|" -e "s|^Icon=.*|Icon=$icon_path|" \
  "$here/qpvdesk.desktop" > "$entry"
chmod 644 "$entry"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$applications" || true
echo "qpvdesk est dans le menu des applications ($entry)."
