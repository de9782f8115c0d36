; Inno Setup script for HOM Desktop on Windows (Inno Setup 6).
;
; installer/build.sh runs it when `iscc` is on PATH, after PyInstaller has built the bundle:
;   iscc -DAppVersion=0.1.0 -DSourceDir=build\installer\dist\hom-desktop ^
;        -DOutputDir=dist -DIconFile=build\installer\icons\hom-desktop.ico installer\windows\hom-desktop.iss
;
; The clerk's data (store, backups, log) lives in %LOCALAPPDATA%\hom-desktop, outside {app}:
; an upgrade installs over the old version (same AppId) and never touches it, and the uninstaller
; removes only what it installed. No [UninstallDelete] entry may ever name the data folder.

#ifndef AppVersion
  #error Pass the version: iscc -DAppVersion=X.Y.Z
#endif
#ifndef SourceDir
  #define SourceDir "..\..\build\installer\dist\hom-desktop"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\installer\icons\hom-desktop.ico"
#endif

#define AppName "HOM Desktop"
#define AppExe "hom-desktop.exe"

[Setup]
; The AppId identifies the application across versions: never change it, or an upgrade would
; install beside the old version instead of over it.
AppId={{6F3C1E2A-8B4D-4C1E-9A57-3D2B8E41C0A9}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=HOM
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without administrator rights; an administrator may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=hom-desktop-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Closes a running copy before files are replaced (an upgrade while it is open).
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Messages]
UninstalledAll=%1 was removed from your computer.%n%nYour data (the store, its backups and the log) is kept in your profile, in %%LOCALAPPDATA%%\hom-desktop. Delete that folder yourself only if you no longer need it.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder bundle: hom-desktop.exe (the window), hom-desktop-cli.exe (the command
; line: --version, --smoke, verify, backup) and _internal\ (Python, Qt, fonts, migrations).
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Files of the previous version that this one no longer ships (Python modules, Qt plugins).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
