; Inno Setup script: per-user installation, no administrator rights needed.
; Build the PyInstaller bundle first (installer/qpvdesk.spec), then compile this file.
; The uninstaller never touches the data folder (%LOCALAPPDATA%\qpvdesk).

#define AppVersion "0.1.0"

[Setup]
AppId={{5C3D2E61-8A0B-4C3E-9E51-3F0D7C0A9B12}
AppName=qpvdesk
AppVersion={#AppVersion}
AppPublisher=qpvdesk
DefaultDirName={autopf}\qpvdesk
DefaultGroupName=qpvdesk
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputBaseFilename=qpvdesk-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesInstallIn64BitMode=x64compatible

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[Files]
Source: "..\dist\qpvdesk\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\qpvdesk"; Filename: "{app}\qpvdesk.exe"
Name: "{userdesktop}\qpvdesk"; Filename: "{app}\qpvdesk.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Créer une icône sur le bureau"; Flags: unchecked

[Run]
Filename: "{app}\qpvdesk.exe"; Description: "Lancer qpvdesk"; Flags: nowait postinstall skipifsilent
