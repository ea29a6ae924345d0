package io.meterlake.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * When this module's test JVM starts, installs the headless browser in the background if the machine
 * lacks it (a fresh CI machine does): the download overlaps the Spark tests that run before the first
 * browser test instead of adding to them. Registered in {@code META-INF/services}.
 */
public final class ChromiumPrefetch implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        HeadlessChromium.installInBackground();
    }
}
