namespace Personalization.Silo.Gateway;

/// <summary>Defaults for the page context when the client does not state it: the device from the User-Agent, the hour from the clock.</summary>
public static class RequestContext
{
    /// <summary>The device a User-Agent names: tv, tablet, mobile, or web for everything else (and no header).</summary>
    public static string DeviceFrom(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent)) return "web";
        // TV platforms first: some TV user agents also say "Mobile" or "Android".
        string[] tv = ["SmartTV", "SMART-TV", "AppleTV", "Apple TV", "Roku", "Tizen", "Web0S", "WebOS", "BRAVIA", "AFT", "CrKey", "GoogleTV", "Android TV"];
        if (tv.Any(marker => userAgent.Contains(marker, StringComparison.OrdinalIgnoreCase))) return "tv";
        if (userAgent.Contains("iPad", StringComparison.OrdinalIgnoreCase) || userAgent.Contains("Tablet", StringComparison.OrdinalIgnoreCase)) return "tablet";
        if (userAgent.Contains("Mobile", StringComparison.OrdinalIgnoreCase) || userAgent.Contains("iPhone", StringComparison.OrdinalIgnoreCase)
            || userAgent.Contains("Android", StringComparison.OrdinalIgnoreCase)) return "mobile";
        return "web";
    }
}
