; Inno Setup 6 script: installation for the current user, no administrator rights needed.
; Build the bundle first, then compile with the version of qpvdesk/__init__.py:
;   python installer\build.py        (builds dist\qpvdesk and, when ISCC is found, runs it)
;   ISCC /DAppVersion=X.Y.Z installer\qpvdesk.iss        (by hand)
;
; The user's databases, backups and log live in %LOCALAPPDATA%\qpvdesk (see qpvdesk/paths.py),
; never under {app}: the uninstaller removes only the files this script installed, and has
; no [UninstallDelete] entry, so the data folder stays in place.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z installer\qpvdesk.iss (installer\build.py does it)
#endif
; The PyInstaller bundle (build.py passes the folder it built).
#ifndef BundleDir
  #define BundleDir "..\dist\qpvdesk"
#endif

[Setup]
AppId={{5C3D2E61-8A0B-4C3E-9E51-3F0D7C0A9B12}
AppName=qpvdesk
AppVersion={#AppVersion}
AppVerName=qpvdesk {#AppVersion}
AppPublisher=qpvdesk
AppComments=Pilotage du contrat de ville : cadre stratégique, programmation, instances, évaluation
; Non administrative install mode: {autopf} is the user's %LOCALAPPDATA%\Programs, and the
; shortcuts go to the user's own Start menu and desktop. An administrator may still choose
; an installation for all users in the dialog.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\qpvdesk
; The folder is not asked: choosing the data folder by mistake must not be possible.
DisableDirPage=yes
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\resources\icons\qpvdesk.ico
UninstallDisplayIcon={app}\qpvdesk.exe
UninstallDisplayName=qpvdesk
OutputDir=..\dist
OutputBaseFilename=qpvdesk-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; An update closes a running qpvdesk first (it saves and backs up when asked to close).
CloseApplications=yes

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{autoprograms}\qpvdesk"; Filename: "{app}\qpvdesk.exe"; Comment: "Pilotage du contrat de ville"
Name: "{autodesktop}\qpvdesk"; Filename: "{app}\qpvdesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\qpvdesk.exe"; Description: "{cm:LaunchProgram,qpvdesk}"; Flags: nowait postinstall skipifsilent
