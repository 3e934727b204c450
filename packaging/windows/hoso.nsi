; The Windows installer of HoSo, built by `cargo xtask bundle windows`
; (xtask/src/bundle/windows.rs), which passes:
;   VERSION   the app's version (tauri.conf.json), e.g. 0.1.0
;   VERSION4  the same with four numbers, for the file's version resource
;   STAGE     the folder of the stripped programs, WebView2Loader.dll and icon.ico
;   OUTFILE   the installer to write
; and reads it as UTF-8 (-INPUTCHARSET UTF8) with warnings as errors (-WX).
;
; It installs for the current user only (no administrator rights): the
; programs into %LOCALAPPDATA%\Programs\HoSo, a Start-menu entry, the
; `.hoso` dossier package opening in HoSo, and an uninstaller listed in
; Settings › Apps. The profile (%APPDATA%\vn.hoso.desktop) is the person's
; data and stays when HoSo is uninstalled.
;
; The window is drawn by the Microsoft Edge WebView2 Runtime, which Windows
; 11 and most Windows 10 machines have; where it is missing the installer
; says what to install, in Vietnamese and English, and installs anyway (the
; `hoso` command line needs no runtime, and the app says the same at start).

Target amd64-unicode
Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "LogicLib.nsh"

!define APP_ID "vn.hoso.desktop"
!define DISPLAY_NAME "HoSo — Hồ sơ hành chính"
!define PUBLISHER "HoSo developers"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
; The `.hoso` package's file type (a zip of a manifest and the documents).
!define PACKAGE_TYPE "${APP_ID}.package"
; The Evergreen WebView2 Runtime's client id (EdgeUpdate).
!define WEBVIEW2_CLIENT "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_PAGE "https://developer.microsoft.com/microsoft-edge/webview2/"

Name "HoSo"
Caption "${DISPLAY_NAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\HoSo"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "HoSo ${VERSION}"

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=0 "ProductName" "HoSo"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "${DISPLAY_NAME} — cài đặt / setup"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "LegalCopyright" "MIT OR Apache-2.0"

!define MUI_ICON "${STAGE}\icon.ico"
!define MUI_UNICON "${STAGE}\icon.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\hoso-desktop.exe"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; Vietnamese first: it is the installer's language unless Windows speaks
; English.
!insertmacro MUI_LANGUAGE "Vietnamese"
!insertmacro MUI_LANGUAGE "English"

; One message in both languages, whatever the installer's language: the
; person may not read the one Windows is set to.
!define WEBVIEW2_MISSING "HoSo cần Microsoft Edge WebView2 Runtime để hiện cửa sổ, nhưng máy này chưa có.$\r$\nHãy tải và cài “Microsoft Edge WebView2 Runtime” (bản Evergreen, miễn phí) tại:$\r$\n${WEBVIEW2_PAGE}$\r$\nrồi mở HoSo. Chương trình dòng lệnh hoso.exe chạy được cả khi chưa có.$\r$\n$\r$\nHoSo needs the Microsoft Edge WebView2 Runtime to show its window, and this computer does not have it.$\r$\nDownload and install “Microsoft Edge WebView2 Runtime” (Evergreen, free) from:$\r$\n${WEBVIEW2_PAGE}$\r$\nthen open HoSo. The hoso.exe command line works without it.$\r$\n$\r$\nMở trang tải về ngay bây giờ? / Open the download page now?"

; $0 = 1 when a WebView2 Runtime is installed for the machine (64- or
; 32-bit registry) or for this user, else 0. An installed runtime has a
; version ("pv") other than empty or 0.0.0.0.
Function WebView2Installed
  StrCpy $0 0
  ReadRegStr $1 HKLM "SOFTWARE\WOW6432Node\${WEBVIEW2_CLIENT}" "pv"
  ${If} $1 == ""
  ${OrIf} $1 == "0.0.0.0"
    ReadRegStr $1 HKLM "SOFTWARE\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $1 == ""
  ${OrIf} $1 == "0.0.0.0"
    ReadRegStr $1 HKCU "Software\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $1 != ""
  ${AndIf} $1 != "0.0.0.0"
    StrCpy $0 1
  ${EndIf}
FunctionEnd

Section "HoSo" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${STAGE}\hoso-desktop.exe"
  File "${STAGE}\WebView2Loader.dll"
  File "${STAGE}\hoso.exe"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${DISPLAY_NAME}.lnk" "$INSTDIR\hoso-desktop.exe" "" "$INSTDIR\hoso-desktop.exe" 0

  ; `.hoso` packages open in HoSo (per user: HKCU\Software\Classes).
  WriteRegStr HKCU "Software\Classes\.hoso" "" "${PACKAGE_TYPE}"
  WriteRegStr HKCU "Software\Classes\.hoso" "Content Type" "application/zip"
  WriteRegStr HKCU "Software\Classes\${PACKAGE_TYPE}" "" "Gói hồ sơ HoSo / HoSo dossier package"
  WriteRegStr HKCU "Software\Classes\${PACKAGE_TYPE}\DefaultIcon" "" "$INSTDIR\hoso-desktop.exe,0"
  WriteRegStr HKCU "Software\Classes\${PACKAGE_TYPE}\shell\open\command" "" '"$INSTDIR\hoso-desktop.exe" "%1"'
  ; SHCNE_ASSOCCHANGED: Explorer shows the new icon without a restart.
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${DISPLAY_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\hoso-desktop.exe,0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" ${INSTALLED_KIB}

  Call WebView2Installed
  ${If} $0 == 0
    DetailPrint "Microsoft Edge WebView2 Runtime: chưa có / missing"
    MessageBox MB_YESNO|MB_ICONEXCLAMATION "${WEBVIEW2_MISSING}" /SD IDNO IDNO +2
    ExecShell "open" "${WEBVIEW2_PAGE}"
  ${Else}
    DetailPrint "Microsoft Edge WebView2 Runtime: $1"
  ${EndIf}
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${DISPLAY_NAME}.lnk"
  Delete "$INSTDIR\hoso-desktop.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\hoso.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  ; The association only while it is still ours.
  ReadRegStr $0 HKCU "Software\Classes\.hoso" ""
  ${If} $0 == "${PACKAGE_TYPE}"
    DeleteRegKey HKCU "Software\Classes\.hoso"
  ${EndIf}
  DeleteRegKey HKCU "Software\Classes\${PACKAGE_TYPE}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
